import Dicfuse
import TOMLKit

/// The state file's text: a `[[mounts]]` table per ``MountRecord``, written by hand and read by
/// ``StateFileScanner`` (or TOMLKit, for text another writer made). Codable's encoder and decoder cost
/// each job about 1 ms of type lookups when they first meet a type (every job is a new process), for a
/// document whose shape never changes.
enum StateFileText {
    /// One record as a `[[mounts]]` table; a document is its records' texts joined by blank lines.
    static func text(of record: MountRecord) -> String {
        var lines = ["[[mounts]]"]
        func add(_ key: String, _ value: String?) {
            if let value { lines.append("\(key) = \(TOMLText.basicString(value))") }
        }
        add("mount_id", record.mountID)
        add("job_id", record.jobID.rawValue)
        add("mountpoint", record.mountpoint)
        add("upper", record.upper)
        add("cl_dir", record.changeList)
        add("driver", record.driver)
        add("base", record.base)
        lines.append("pid = \(record.pid)")
        add("pid_start", record.serverStart?.description)
        add("server", record.server?.rawValue)
        lines.append("created_at_epoch_ms = \(record.createdAtEpochMilliseconds)")
        lines.append("last_seen_epoch_ms = \(record.lastSeenEpochMilliseconds)")
        lines.append("")
        lines.append("[mounts.spec]")
        add("path", record.spec.path)
        add("cl", record.spec.cl)
        add("repository", record.spec.repository)
        add("revision", record.spec.revision)
        add("owner", record.spec.owner?.description)
        lines.append("")
        lines.append("[mounts.state]")
        add("state", record.state.name)
        if case .failed(let reason) = record.state { add("reason", reason) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The records of a state file's text, in order. Throws a description of the first thing that is
    /// not a record (naming the record by its position and the key).
    static func records(in text: String) throws(StateFileProblem) -> [MountRecord] {
        try parse(text).map(\.record)
    }

    /// The records of a state file's text with each one's own text where it is Scorpio's layout (to be
    /// written again as it is while the record does not change).
    static func parse(_ text: String) throws(StateFileProblem) -> [(record: MountRecord, text: String?)] {
        let tables: [(fields: [String: StateValue], text: String?)]
        if let scanned = StateFileScanner.records(in: text) {
            tables = scanned.map { ($0.table, $0.text) }
        } else {
            let document: TOMLTable
            do { document = try TOMLTable(string: text) } catch { throw StateFileProblem("\(error)") }
            guard let mounts = document["mounts"] else { return [] }
            guard let array = mounts.array else { throw StateFileProblem("'mounts' is not an array of tables") }
            var read: [(fields: [String: StateValue], text: String?)] = []
            for (index, element) in array.enumerated() {
                guard let table = element.table else { throw StateFileProblem("mounts[\(index)] is not a table") }
                read.append((fields(of: table), nil))
            }
            tables = read
        }
        var records: [(record: MountRecord, text: String?)] = []
        for (index, table) in tables.enumerated() {
            records.append((try record(in: RecordTable(fields: table.fields, index: index)), table.text))
        }
        return records
    }

    private static func fields(of table: TOMLTable) -> [String: StateValue] {
        var fields: [String: StateValue] = [:]
        for (key, value) in table {
            switch value.type {
            case .string: fields[key] = value.string.map(StateValue.string) ?? .other("string")
            case .int: fields[key] = value.int.map(StateValue.integer) ?? .other("integer")
            case .table: fields[key] = value.table.map { .table(Self.fields(of: $0)) } ?? .other("table")
            default: fields[key] = .other(value.type.description)
            }
        }
        return fields
    }

    private static func record(in table: RecordTable) throws(StateFileProblem) -> MountRecord {
        let jobText = try table.string("job_id")
        guard let jobID = JobID(rawValue: jobText) else { throw table.problem("job_id", "is not a job id: \(jobText)") }
        let spec = try table.table("spec")
        var owner: FileOwner?
        if let ownerText = try spec.optionalString("owner") {
            guard let parsed = FileOwner(ownerText) else { throw spec.problem("owner", "is not UID:GID: \(ownerText)") }
            owner = parsed
        }
        let pid = try table.integer("pid")
        guard let pid32 = Int32(exactly: pid) else { throw table.problem("pid", "is out of range: \(pid)") }
        let serverStart = try table.optionalString("pid_start").map { text throws(StateFileProblem) -> ProcessStart in
            guard let start = ProcessStart(text) else { throw table.problem("pid_start", "is not BOOT_ID/TICKS: \(text)") }
            return start
        }
        let serverText = try table.optionalString("server")
        let server = try serverText.map { text throws(StateFileProblem) -> JobServer in
            guard let server = JobServer(rawValue: text) else { throw table.problem("server", "is not a kind of server: \(text)") }
            return server
        }
        return MountRecord(
            mountID: try table.string("mount_id"),
            jobID: jobID,
            spec: JobSpec(
                path: try spec.string("path"), cl: try spec.optionalString("cl"), repository: try spec.optionalString("repository"),
                revision: try spec.optionalString("revision"), owner: owner
            ),
            mountpoint: try table.string("mountpoint"),
            upper: try table.string("upper"),
            changeList: try table.optionalString("cl_dir"),
            driver: try table.string("driver"),
            base: try table.string("base"),
            state: try lifecycle(in: table.table("state")),
            pid: pid32,
            server: server,
            serverStart: serverStart,
            createdAtEpochMilliseconds: Int64(try table.integer("created_at_epoch_ms")),
            lastSeenEpochMilliseconds: Int64(try table.integer("last_seen_epoch_ms"))
        )
    }

    private static func lifecycle(in table: RecordTable) throws(StateFileProblem) -> MountLifecycle {
        let name = try table.string("state")
        switch name {
        case "Provisioning": return .provisioning
        case "Mounted": return .mounted
        case "Ready": return .ready
        case "Quiescing": return .quiescing
        case "Unmounting": return .unmounting
        case "Unmounted": return .unmounted
        case "Failed": return .failed(reason: try table.optionalString("reason") ?? "")
        default: throw table.problem("state", "is not a state: \(name)")
        }
    }
}

/// What is wrong with a state file's text.
struct StateFileProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A table of a record, with where it is for errors (`mounts[2].spec`).
private struct RecordTable {
    let fields: [String: StateValue]
    /// The record's place in the file, and the subtable's key.
    let index: Int
    var subtable: String?

    init(fields: [String: StateValue], index: Int, subtable: String? = nil) {
        (self.fields, self.index, self.subtable) = (fields, index, subtable)
    }

    var name: String { "mounts[\(index)]" + (subtable.map { ".\($0)" } ?? "") }

    func problem(_ key: String, _ what: String) -> StateFileProblem { StateFileProblem("\(name).\(key) \(what)") }

    func optionalString(_ key: String) throws(StateFileProblem) -> String? {
        guard let value = fields[key] else { return nil }
        guard case .string(let text) = value else { throw problem(key, "is not a string") }
        return text
    }

    func string(_ key: String) throws(StateFileProblem) -> String {
        guard let text = try optionalString(key) else { throw problem(key, "is missing") }
        return text
    }

    func integer(_ key: String) throws(StateFileProblem) -> Int {
        guard let value = fields[key] else { throw problem(key, "is missing") }
        guard case .integer(let number) = value else { throw problem(key, "is not an integer") }
        return number
    }

    func table(_ key: String) throws(StateFileProblem) -> RecordTable {
        guard let value = fields[key] else { throw problem(key, "is missing") }
        guard case .table(let inner) = value else { throw problem(key, "is not a table") }
        return RecordTable(fields: inner, index: index, subtable: key)
    }
}
