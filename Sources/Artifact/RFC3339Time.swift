import Foundation
import Glibc

/// A time as RFC 3339 in UTC, to the second (`2026-12-01T09:56:22Z`): what `.iso8601` decoding reads
/// back. Formatted here with `gmtime_r`: Foundation's ISO 8601 style builds a calendar on first use,
/// about a millisecond of every `scorpio run`.
enum RFC3339Time {
    static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))"
            + "T\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2))Z"
    }
}
