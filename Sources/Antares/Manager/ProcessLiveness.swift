import Foundation
import Glibc

/// Whether a process that serves a job, or saves the state file, still runs.
enum ProcessLiveness {
    /// Whether `pid` runs (a zombie, whose parent has not reaped it, serves nothing).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let state = stat.split(separator: ")").last?.split(separator: " ").first
        else { return true }
        return state != "Z" && state != "X"
    }
}
