/// A user and group pair: who owns an entry in a layer.
struct Identity: Hashable, Sendable, CustomStringConvertible {
    let uid: UInt32
    let gid: UInt32

    var description: String { "\(uid):\(gid)" }
}

/// The credentials a script runs with (through `setpriv`): uid, gid and supplementary groups.
struct Caller: Hashable, Sendable, CustomStringConvertible {
    let uid: UInt32
    let gid: UInt32
    let groups: [UInt32]

    var identity: Identity { Identity(uid: uid, gid: gid) }

    var description: String { uid == 0 ? "root" : "uid \(uid)" }

    /// The token in case names and reproduction lines.
    var tag: String { uid == 0 ? "root" : "\(uid)" }

    static let root = Caller(uid: 0, gid: 0, groups: [])
    /// The unprivileged caller; owns the entries of its own cases.
    static let user = Caller(uid: 65534, gid: 65534, groups: [])
    /// Not `user`, but a member of `user`'s group (65534).
    static let member = Caller(uid: 65533, gid: 65533, groups: [65534])
    /// Neither `user` nor in `user`'s group.
    static let other = Caller(uid: 65532, gid: 65532, groups: [])

    /// The callers every case class runs as, unless the class names its own.
    static let standard: [Caller] = [.root, .user]

    var setprivArguments: String {
        let groupsArgument = groups.isEmpty ? "--clear-groups" : "--groups=\(groups.map(String.init).joined(separator: ","))"
        return "--reuid=\(uid) --regid=\(gid) \(groupsArgument)"
    }
}
