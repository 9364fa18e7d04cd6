import Antares
import CSyscalls
import Glibc

/// Which CPU a thread or process runs on, and moving the calling thread off one.
enum CPUPlacement {
    /// The CPU the calling thread runs on.
    static var current: Int32 { sched_getcpu() }

    /// The CPU process `pid` last ran or is queued on.
    static func of(_ pid: pid_t) -> Int32? { ProcessStat(pid)?.processor }

    /// Moves the calling thread onto the other CPUs it may run on; false (it stays) where it may run on
    /// no other.
    static func leave(_ cpu: Int32) -> Bool { scorpio_leave_cpu(cpu) == 0 }
}
