import SystemPackage

/// A directory's children by name in one view of a union. A view knows the children it was asked about,
/// which for most directories is a few (eight views reading a tree each know an eighth of every
/// directory): up to ``listLimit`` are kept in a short list searched in order, a dictionary beyond.
struct ChildNames: Sendable {
    static let listLimit = 8

    private struct Child: Sendable {
        var name: String
        var inode: Inode
    }

    private var list: ContiguousArray<Child> = []
    private var map: [String: Inode]?

    subscript(name: String) -> Inode? {
        get {
            if let map { return map[name] }
            return list.first { $0.name == name }?.inode
        }
        set {
            guard let inode = newValue else {
                removeValue(forKey: name)
                return
            }
            if map != nil {
                map![name] = inode
            } else if let index = list.firstIndex(where: { $0.name == name }) {
                list[index].inode = inode
            } else if list.count < Self.listLimit {
                list.append(Child(name: name, inode: inode))
            } else {
                var grown = [String: Inode](minimumCapacity: 2 * Self.listLimit)
                for child in list { grown[child.name] = child.inode }
                grown[name] = inode
                map = grown
                list = []
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey name: String) -> Inode? {
        if map != nil { return map!.removeValue(forKey: name) }
        guard let index = list.firstIndex(where: { $0.name == name }) else { return nil }
        return list.remove(at: index).inode
    }
}
