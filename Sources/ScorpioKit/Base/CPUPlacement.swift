import CSyscalls
import Glibc

/// Which CPU a thread or process runs on, and moving the calling thread off one.
enum CPUPlacement {
    /// The CPU the calling thread runs on.
    static var current: Int32 { sched_getcpu() }

    /// The CPU process `pid` last ran or is queued on (`processor`, field 39 of its stat line).
    static func of(_ pid: pid_t) -> Int32? {
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return processor(inStat: DescriptorReading.toEnd(descriptor))
    }

    /// The `processor` field of a stat line: the 37th after the command's name, which ends at the
    /// line's last `)`.
    static func processor(inStat line: [UInt8]) -> Int32? {
        guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = line[(close + 1)...].split(separator: UInt8(ascii: " "))
        return fields.count > 36 ? Int32(String(decoding: fields[36], as: UTF8.self)) : nil
    }

    /// Moves the calling thread onto the other CPUs it may run on; false (it stays) where it may run on
    /// no other.
    static func leave(_ cpu: Int32) -> Bool { scorpio_leave_cpu(cpu) == 0 }
}
