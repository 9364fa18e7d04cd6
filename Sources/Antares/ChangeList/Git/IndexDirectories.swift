/// The directories an index's entries make, each with its files and subdirectories, in pre-order (a
/// parent before its children; the root, the work tree itself, is directory 0).
struct IndexDirectories: Sendable {
    struct Directory: Sendable {
        /// The directory's path in the index's path buffer (empty for the root).
        var pathStart: Int32
        var pathLength: Int32
        /// Where its last component starts in the index's path buffer.
        var nameStart: Int32
        var parent: Int32
        /// Indices of the entries directly in it.
        var files: [Int32] = []
        var subdirectories: [Int32] = []

        var nameLength: Int32 { pathStart + pathLength - nameStart }
    }

    private(set) var directories: [Directory]

    init(_ index: GitIndexFile) {
        var directories = [Directory(pathStart: 0, pathLength: 0, nameStart: 0, parent: -1)]
        index.paths.withUnsafeBufferPointer { paths in
            var stack: [Int32] = [0]
            for (number, entry) in index.entries.enumerated() {
                let start = Int(entry.pathStart), end = start + Int(entry.pathLength)
                // Leave the directories this path is not below.
                while stack.count > 1 {
                    let top = directories[Int(stack[stack.count - 1])]
                    let length = Int(top.pathLength)
                    if length < end - start, paths[start + length] == UInt8(ascii: "/"),
                        paths[start..<(start + length)].elementsEqual(paths[Int(top.pathStart)..<(Int(top.pathStart) + length)]) {
                        break
                    }
                    stack.removeLast()
                }
                // Enter the ones it is below that are not open yet.
                let top = directories[Int(stack[stack.count - 1])]
                var cursor = start + (top.pathLength == 0 ? 0 : Int(top.pathLength) + 1)
                while let slash = paths[cursor..<end].firstIndex(of: UInt8(ascii: "/")) {
                    let parent = stack[stack.count - 1]
                    let id = Int32(directories.count)
                    directories.append(Directory(
                        pathStart: Int32(start), pathLength: Int32(slash - start), nameStart: Int32(cursor), parent: parent))
                    directories[Int(parent)].subdirectories.append(id)
                    stack.append(id)
                    cursor = slash + 1
                }
                directories[Int(stack[stack.count - 1])].files.append(Int32(number))
            }
        }
        self.directories = directories
    }

    var count: Int { directories.count }

    subscript(id: Int32) -> Directory { directories[Int(id)] }
}
