/// One generated case: layers as they stand before the mount, a caller, and the operations it runs.
/// Every case lives in a directory of its own (in the lowest layer, and in any other layer it places
/// entries in), so the cases of a class share one mount without touching each other.
struct ConformanceCase: Sendable {
    /// `class/detail`, unique within its class for one caller.
    let name: String
    let caller: Caller
    let entries: [LayerEntry]
    let operations: [Operation]
    /// Who owns the case's directory and, unless an entry says otherwise, its entries.
    let owner: Identity
    /// Mode of the case's directory.
    let directoryMode: UInt32
    /// Paths below the case's directory whose lstat is compared after every step: the directory itself,
    /// `watch`, and unless told otherwise every path (and its parents) an entry or an operation names.
    let watched: [String]

    init(_ name: String, as caller: Caller, entries: [LayerEntry] = [], owner: Identity? = nil, directoryMode: UInt32 = 0o755,
        watch extra: [String] = [], watchesWhatItNames: Bool = true, _ operations: [Operation]) {
        self.name = name
        self.caller = caller
        self.entries = entries
        self.operations = operations
        self.owner = owner ?? caller.identity
        self.directoryMode = directoryMode
        var paths: [String] = [""]
        func add(_ path: String) {
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += prefix.isEmpty ? String(component) : "/\(component)"
                if !paths.contains(prefix) { paths.append(prefix) }
            }
        }
        if watchesWhatItNames {
            for entry in entries { add(entry.path) }
            for operation in operations { operation.casePaths.forEach(add) }
        }
        extra.forEach(add)
        // The runner observes at most 64 paths; a path longer than the kernel's limit only draws ENAMETOOLONG.
        watched = Array(paths.filter { $0.utf8.count < 4000 }.prefix(64))
    }

    /// The key of the case's transcript: its name and its caller.
    var key: String { "\(name)@\(caller.tag)" }
}
