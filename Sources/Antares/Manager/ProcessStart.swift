import Glibc
import SystemPackage

/// When a process started: the host's boot, and the clock ticks from it to the process's start
/// (`starttime` of `/proc/PID/stat`). With its pid it names one process for good, where a pid alone
/// names whichever process has it now: after a reboot, or on a host that has run through its pids, a
/// finished job's pid may be another process's.
public struct ProcessStart: Sendable, Equatable, CustomStringConvertible {
    public var bootID: String
    public var ticks: UInt64

    public init(bootID: String, ticks: UInt64) {
        (self.bootID, self.ticks) = (bootID, ticks)
    }

    /// `BOOT_ID/TICKS`, as the state file keeps it.
    public var description: String { "\(bootID)/\(ticks)" }

    /// Reads ``description``'s form; nil for any other text.
    public init?(_ text: String) {
        guard let slash = text.lastIndex(of: "/"), let ticks = UInt64(text[text.index(after: slash)...]) else { return nil }
        self.init(bootID: String(text[..<slash]), ticks: ticks)
    }

    /// The start of this process (read at each call: a forked child is a process of its own).
    public static func ofThisProcess() -> ProcessStart? { of(getpid()) }

    /// The start of the process that has `pid` now; nil where none has.
    public static func of(_ pid: pid_t) -> ProcessStart? {
        ProcessStat(pid).map { ProcessStart(bootID: HostBoot.id, ticks: $0.startTicks) }
    }
}

/// This boot of the host, as the kernel names it (`/proc/sys/kernel/random/boot_id`); empty where it
/// cannot be read.
public enum HostBoot {
    public static let id: String = {
        guard let bytes = try? FilePath("/proc/sys/kernel/random/boot_id").readContents() else { return "" }
        return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }()
}

/// What `/proc/PID/stat` says of a process: what the liveness of a job's server depends on, and the
/// CPU it runs on.
public struct ProcessStat {
    /// The state letter: `R`, `S`, `D`, `Z` (a zombie) …
    public var state: UInt8
    public var startTicks: UInt64
    /// The CPU the process last ran or is queued on (`processor`, field 39 of the line); nil on a line
    /// without it.
    public var processor: Int32?

    /// Nil where the process is gone or the line is not of the kernel's form.
    public init?(_ pid: pid_t) {
        guard let bytes = try? FilePath("/proc/\(pid)/stat").readContents() else { return nil }
        self.init(line: bytes)
    }

    /// The fields after the command's name, which ends at the line's last `)`: the state is the
    /// first of them, `starttime` (field 22 of the line) the twentieth, `processor` the 37th.
    public init?(line bytes: [UInt8]) {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count >= 20, fields[0].count == 1, let ticks = UInt64(String(decoding: fields[19], as: UTF8.self)) else { return nil }
        (state, startTicks) = (fields[0].first!, ticks)
        processor = fields.count > 36 ? Int32(String(decoding: fields[36], as: UTF8.self)) : nil
    }
}
