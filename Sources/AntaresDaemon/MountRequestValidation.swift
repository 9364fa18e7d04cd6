import Antares
import ScorpioKit
import Foundation

/// Checks of what a client sends, each failure naming the input: a job or build id, a monorepo
/// path, a change list, a mount id.
enum MountRequestValidation {
    /// The job spec `request` asks for: its path without the leading and trailing `/` (empty for the
    /// whole tree) and its change list.
    static func spec(of request: MountRequest) throws(DaemonError) -> JobSpec {
        JobSpec(
            path: try repositoryPath(request.path), cl: try request.cl.map { cl throws(DaemonError) in try changeList(cl) },
            owner: try request.user.map { user throws(DaemonError) in try owner(user) })
    }

    static func owner(_ text: String) throws(DaemonError) -> FileOwner {
        guard let owner = FileOwner(text) else { throw .invalid("user '\(printable(text))' is not UID:GID, e.g. \"1000:1000\"") }
        return owner
    }

    static func repositoryPath(_ text: String) throws(DaemonError) -> String {
        guard !text.isEmpty else { throw .invalid("path is empty; use \"/\" for the whole monorepo") }
        guard !text.contains("\0"), !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("path '\(printable(text))' contains control characters")
        }
        guard text.utf8.count <= 4096 else { throw .invalid("path is longer than 4096 bytes") }
        let components = text.split(separator: "/", omittingEmptySubsequences: true)
        if components.contains(where: { $0 == ".." || $0 == "." }) {
            throw .invalid("path '\(text)' contains '.' or '..'; give a directory of the monorepo such as /services/api")
        }
        return components.joined(separator: "/")
    }

    static func changeList(_ text: String) throws(DaemonError) -> String {
        guard !text.isEmpty else { throw .invalid("cl is empty; leave it out for no change list") }
        guard text.utf8.count <= 256 else { throw .invalid("cl is longer than 256 bytes") }
        guard !text.hasPrefix("@"), !text.contains(where: { $0.isWhitespace }),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw .invalid("cl '\(printable(text))' is not a change list number or link") }
        return text
    }

    static func jobID(_ text: String) throws(DaemonError) -> JobID {
        do { return try JobID.validated(text) } catch { throw .invalid("job_id: \(printable(error.description))") }
    }

    /// A build id is only ever compared, never used as a name; it must still be printable.
    static func buildID(_ text: String) throws(DaemonError) -> String {
        guard !text.isEmpty else { throw .invalid("build_id is empty") }
        guard text.utf8.count <= 256 else { throw .invalid("build_id is longer than 256 bytes") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("build_id '\(printable(text))' contains control characters")
        }
        return text
    }

    /// Mount ids are UUIDs (any case); the canonical form is lower case.
    static func mountID(_ text: String) throws(DaemonError) -> String {
        guard let uuid = UUID(uuidString: text) else { throw .invalid("mount id '\(printable(text))' is not a UUID") }
        return uuid.uuidString.lowercased()
    }

    /// `text` with control characters escaped, safe to put in a message.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }.joined().prefix(200))
    }
}
