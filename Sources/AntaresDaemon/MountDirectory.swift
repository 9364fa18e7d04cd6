import Antares
import Foundation
import ScorpioKit
import SystemPackage

/// What the daemon knows of its mounts beyond the manager's records: the `build_id` a mount was asked
/// for by, and whether its job id was the client's or one the daemon made up. Kept in memory and in a
/// JSON file beside the manager's state file (`state.toml` → `state.daemon.json`), written atomically.
struct MountDirectory: Sendable {
    struct Entry: Sendable, Equatable, Codable {
        var jobID: JobID
        var buildID: String?
        /// True when the client gave no `job_id` (the API then reports `job_id: null`).
        var jobIDGenerated: Bool

        enum CodingKeys: String, CodingKey { case jobID = "job_id", buildID = "build_id", jobIDGenerated = "job_id_generated" }
    }

    let file: FilePath
    private(set) var entries: [JobID: Entry] = [:]

    /// The table beside `stateFile`, read back if it exists (an unreadable one is started afresh).
    init(besideStateFile stateFile: FilePath) {
        let name = stateFile.lastComponent?.stem ?? "state"
        file = stateFile.removingLastComponent().appending("\(name).daemon.json")
        if let data = FileManager.default.contents(atPath: file.string),
           let stored = try? JSONDecoder().decode([Entry].self, from: data) {
            entries = Dictionary(stored.map { ($0.jobID, $0) }, uniquingKeysWith: { _, last in last })
        }
    }

    subscript(job: JobID) -> Entry? { entries[job] }

    /// The job a build id was mounted as.
    func job(forBuild buildID: String) -> JobID? {
        entries.values.first { $0.buildID == buildID }?.jobID
    }

    /// Records `entry`; true when that changed the table.
    mutating func record(_ entry: Entry) -> Bool {
        entries.updateValue(entry, forKey: entry.jobID) != entry
    }

    var jobs: Set<JobID> { Set(entries.keys) }

    /// Forgets `jobs`; true when that changed the table.
    mutating func forget(_ jobs: Set<JobID>) -> Bool {
        let before = entries.count
        for job in jobs { entries[job] = nil }
        return entries.count != before
    }

    /// Writes the table (temp file, then rename). Not fsynced: like the state file, it describes mounts,
    /// which a reboot ends anyway, and a flush would hold up every mount.
    func save() throws {
        let data = try JSONEncoder().encode(entries.values.sorted { $0.jobID < $1.jobID })
        try AtomicFileWriter.createDirectories(file.removingLastComponent())
        try AtomicFileWriter.write(Array(data), to: file, durable: false)
    }
}
