import Glibc

/// Whether a process that serves a job, or saves the state file, still runs.
enum ProcessLiveness {
    /// Whether `pid` runs (a zombie, whose parent has not reaped it, serves nothing) and, where its
    /// start is known, is still the process that started then rather than a later one given its pid.
    static func isAlive(_ pid: Int32, started: ProcessStart? = nil) -> Bool {
        exists(pid, started: started, countingZombies: false)
    }

    /// Whether `pid` is still the process that started then, running or ending: a zombie counts, as its
    /// other threads may still be ending and holding its files (a lock on a lease among them).
    static func isStillThere(_ pid: Int32, started: ProcessStart? = nil) -> Bool {
        exists(pid, started: started, countingZombies: true)
    }

    private static func exists(_ pid: Int32, started: ProcessStart?, countingZombies: Bool) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A /proc that hides other users' processes (hidepid) says nothing: the pid's word stands.
        guard let stat = ProcessStat(pid) else { return true }
        guard stat.state != UInt8(ascii: "X"), countingZombies || stat.state != UInt8(ascii: "Z") else { return false }
        guard let started else { return true }
        return started.bootID == HostBoot.id && started.ticks == stat.startTicks
    }
}

extension MountRecord {
    /// Whether the process that recorded the job serving it still runs.
    var serverIsAlive: Bool { ProcessLiveness.isAlive(pid, started: serverStart) }
}
