import Dicfuse
import Foundation
import Glibc
import SystemPackage

/// One shared base as `scorpio base list` shows it.
public struct SharedBaseStatus: Sendable, Codable {
    public var key: String
    public var identity: String
    public var revision: String
    public var owner: FileOwner?
    public var mountpoint: String
    /// The server's pid; nil when no server serves the base (it died, or is starting).
    public var serverPID: Int32?
    /// Who holds a lease (`PID job …`), one entry per lease.
    public var leases: [String]
    /// Anonymous memory of the server: what serving this base costs beyond the page cache.
    public var anonymousMemoryBytes: Int?
    public var startedAtEpochSeconds: Int?
    public var lingerSeconds: Int?

    enum CodingKeys: String, CodingKey {
        case key, identity, revision, owner, mountpoint, leases
        case serverPID = "server_pid", anonymousMemoryBytes = "anonymous_memory_bytes"
        case startedAtEpochSeconds = "started_at_epoch_s", lingerSeconds = "linger_s"
    }
}

extension SharedBases {
    /// Every base under the root, as it is now.
    public func statuses() -> [SharedBaseStatus] {
        SharedBaseDirectory.all(under: root).map(status)
    }

    func status(of directory: SharedBaseDirectory) -> SharedBaseStatus {
        let info = SharedBaseInfo.read(from: directory.info)
        let spec = try? SharedBaseSpec.read(from: directory.spec)
        let alive = directory.serverIsAlive
        let leases = directory.liveLeases().map { name in
            let text = (try? String(contentsOfFile: directory.leases.appending(name).string, encoding: .utf8)) ?? ""
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return SharedBaseStatus(
            key: directory.key, identity: info?.identity ?? spec?.identity ?? "?", revision: info?.revision ?? spec?.revision ?? "?",
            owner: info?.owner ?? spec?.owner, mountpoint: directory.mountpoint.string, serverPID: alive ? info?.pid : nil,
            leases: leases, anonymousMemoryBytes: alive ? info.flatMap { Self.anonymousMemory(of: $0.pid) } : nil,
            startedAtEpochSeconds: info?.startedAtEpochSeconds, lingerSeconds: info?.lingerSeconds ?? spec?.lingerSeconds)
    }

    /// `RssAnon` of a process, in bytes.
    static func anonymousMemory(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// Ends every base no job holds a lease on, now: its server is asked to stop and waited for (up to
    /// `timeout`). Returns the bases that ended.
    public func collectIdle(timeout: Duration = .seconds(10)) -> [SharedBaseStatus] {
        var ended: [SharedBaseStatus] = []
        for directory in SharedBaseDirectory.all(under: root) {
            let before = status(of: directory)
            guard before.leases.isEmpty else { continue }
            if let pid = before.serverPID {
                kill(pid, SIGTERM)
                let deadline = ContinuousClock.now + timeout
                while directory.serverIsAlive && ContinuousClock.now < deadline { usleep(10_000) }
                if directory.serverIsAlive { continue }
            } else {
                directory.removeRemainsOfServerless()
            }
            ended.append(before)
        }
        return ended
    }
}
