/// A path in a script: below the case's own directory (`""` is that directory), or below the directory
/// held in a descriptor slot (`@N/rest`), for paths built component by component.
enum ScriptPath: Hashable, Sendable, ExpressibleByStringLiteral {
    case inCase(String)
    case at(slot: Int, String)

    init(stringLiteral value: String) { self = .inCase(value) }

    func token(caseDirectory: String) -> String {
        switch self {
        case .inCase(""): caseDirectory
        case .inCase(let path): "\(caseDirectory)/\(path)"
        case .at(let slot, let path): path.isEmpty ? "@\(slot)" : "@\(slot)/\(path)"
        }
    }

    /// How the path reads in a report (relative to the case directory).
    var display: String {
        switch self {
        case .inCase(""): "."
        case .inCase(let path): path
        case .at(let slot, let path): path.isEmpty ? "@\(slot)" : "@\(slot)/\(path)"
        }
    }
}

/// One line of a runner script: an operation and its arguments (see Tests/ConformanceRunner/main.c).
struct Operation: Sendable, CustomStringConvertible {
    enum Argument: Sendable {
        case path(ScriptPath)
        case text(String)
        case number(Int)
        case mode(UInt32)
    }

    let name: String
    let arguments: [Argument]

    init(_ name: String, _ arguments: Argument...) {
        self.name = name
        self.arguments = arguments
    }

    init(_ name: String, arguments: [Argument]) {
        self.name = name
        self.arguments = arguments
    }

    /// The script line, paths placed below `caseDirectory`.
    func line(caseDirectory: String) -> String {
        ([name] + arguments.map { argument in
            switch argument {
            case .path(let path): escape(path.token(caseDirectory: caseDirectory))
            case .text(let text): escape(text)
            case .number(let value): String(value)
            case .mode(let mode): "0" + String(mode, radix: 8)
            }
        }).joined(separator: " ")
    }

    /// The line as a report shows it: paths relative to the case, long runs of one character shortened.
    var description: String {
        ([name] + arguments.map { argument in
            switch argument {
            case .path(let path): abbreviate(path.display)
            case .text(let text): abbreviate(escape(text))
            case .number(let value): String(value)
            case .mode(let mode): "0" + String(mode, radix: 8)
            }
        }).joined(separator: " ")
    }

    /// Whether Linux defines the operation to leave every time alone: it only looks (the runner's
    /// `may_change_times` says the same of these). Kernel overlayfs may still copy entries up on the way,
    /// which sets the copies' ctime; plain Linux changes none, so ctime moves on these steps are not
    /// compared (see `withoutCopyUpTimes`).
    var onlyLooks: Bool {
        ["read", "pread", "close", "fstat", "stat", "lstat", "times", "access", "readdir", "getxattr", "listxattr", "readlink", "umask"]
            .contains(name)
    }

    /// A truncate(2) of a path to length 0. Through FUSE it is the same request as an open's O_TRUNC
    /// (a size of 0, no handle), which Linux gives new times whatever the size; truncate(2) gives an
    /// empty file none, so a FUSE union cannot answer both as the kernel does.
    var truncatesPathToZero: Bool {
        guard name == "truncate", arguments.count > 1, case .number(let length) = arguments[1] else { return false }
        return length == 0
    }

    /// An open(2) without O_TRUNC: it sets times only by creating an entry (the parent's mtime and ctime).
    var opensWithoutTruncating: Bool {
        guard name == "open", arguments.count > 2, case .text(let flags) = arguments[2] else { return false }
        return !flags.contains("TRUNC")
    }

    /// The paths below the case directory this operation names (watched by default).
    var casePaths: [String] {
        arguments.compactMap { argument in
            if case .path(.inCase(let path)) = argument { return path }
            return nil
        }
    }
}

/// The runner's token escape: a space, a backslash or a byte outside printable ASCII as \xHH.
func escape(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
        if byte > 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
            result.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            result += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    return result
}

/// Runs of more than 16 equal characters as `c×N`, so 255-byte names and deep paths stay readable.
func abbreviate(_ text: String) -> String {
    var result = ""
    var run: (character: Character, count: Int)?
    func flush() {
        guard let current = run else { return }
        result += current.count > 16 ? "\(current.character)×\(current.count)" : String(repeating: current.character, count: current.count)
    }
    for character in text {
        if run?.character == character {
            run!.count += 1
        } else {
            flush()
            run = (character, 1)
        }
    }
    flush()
    return result
}

// The operations, named after their system calls; each maps to one runner line.
extension Operation {
    static func open(_ slot: Int, _ path: ScriptPath, _ flags: String, mode: UInt32 = 0o644) -> Operation {
        Operation("open", .number(slot), .path(path), .text(flags), .mode(mode))
    }
    static func close(_ slot: Int) -> Operation { Operation("close", .number(slot)) }
    static func read(_ slot: Int, _ count: Int = 64) -> Operation { Operation("read", .number(slot), .number(count)) }
    static func pread(_ slot: Int, _ count: Int, at offset: Int) -> Operation {
        Operation("pread", .number(slot), .number(count), .number(offset))
    }
    static func write(_ slot: Int, _ data: String) -> Operation { Operation("write", .number(slot), .text(data)) }
    static func pwrite(_ slot: Int, _ data: String, at offset: Int) -> Operation {
        Operation("pwrite", .number(slot), .text(data), .number(offset))
    }
    static func fstat(_ slot: Int) -> Operation { Operation("fstat", .number(slot)) }
    static func ftruncate(_ slot: Int, _ length: Int) -> Operation { Operation("ftruncate", .number(slot), .number(length)) }
    static func fchmod(_ slot: Int, _ mode: UInt32) -> Operation { Operation("fchmod", .number(slot), .mode(mode)) }
    static func fchown(_ slot: Int, _ uid: Int, _ gid: Int) -> Operation { Operation("fchown", .number(slot), .number(uid), .number(gid)) }
    static func stat(_ path: ScriptPath) -> Operation { Operation("stat", .path(path)) }
    static func lstat(_ path: ScriptPath) -> Operation { Operation("lstat", .path(path)) }
    /// Exact atime and mtime (for after utimensat with explicit times only).
    static func times(_ path: ScriptPath) -> Operation { Operation("times", .path(path)) }
    /// `mode` is "f" or letters of "rwx".
    static func access(_ path: ScriptPath, _ mode: String) -> Operation { Operation("access", .path(path), .text(mode)) }
    static func mkdir(_ path: ScriptPath, _ mode: UInt32 = 0o755) -> Operation { Operation("mkdir", .path(path), .mode(mode)) }
    static func rmdir(_ path: ScriptPath) -> Operation { Operation("rmdir", .path(path)) }
    static func unlink(_ path: ScriptPath) -> Operation { Operation("unlink", .path(path)) }
    static func link(_ from: ScriptPath, _ to: ScriptPath) -> Operation { Operation("link", .path(from), .path(to)) }
    static func symlink(_ target: String, _ path: ScriptPath) -> Operation { Operation("symlink", .text(target), .path(path)) }
    static func readlink(_ path: ScriptPath) -> Operation { Operation("readlink", .path(path)) }
    static func rename(_ from: ScriptPath, _ to: ScriptPath, _ flag: RenameFlag = .none) -> Operation {
        flag == .none ? Operation("rename", .path(from), .path(to)) : Operation("rename", .path(from), .path(to), .text(flag.rawValue))
    }
    /// `type`: reg, fifo, chr, blk or sock.
    static func mknod(_ path: ScriptPath, _ type: String, _ mode: UInt32, device: (Int, Int) = (0, 0)) -> Operation {
        Operation("mknod", .path(path), .text(type), .mode(mode), .number(device.0), .number(device.1))
    }
    static func mkfifo(_ path: ScriptPath, _ mode: UInt32 = 0o644) -> Operation { Operation("mkfifo", .path(path), .mode(mode)) }
    static func truncate(_ path: ScriptPath, _ length: Int) -> Operation { Operation("truncate", .path(path), .number(length)) }
    static func chmod(_ path: ScriptPath, _ mode: UInt32) -> Operation { Operation("chmod", .path(path), .mode(mode)) }
    static func chown(_ path: ScriptPath, _ uid: Int, _ gid: Int) -> Operation { Operation("chown", .path(path), .number(uid), .number(gid)) }
    static func lchown(_ path: ScriptPath, _ uid: Int, _ gid: Int) -> Operation { Operation("lchown", .path(path), .number(uid), .number(gid)) }
    /// Times are `now`, `omit` or `SECONDS.NANOSECONDS`; `nil` for both passes a null times array.
    static func utimens(_ path: ScriptPath, _ atime: String?, _ mtime: String?, nofollow: Bool = false) -> Operation {
        var arguments: [Argument] = [.path(path), .text(atime ?? "null"), .text(mtime ?? "null")]
        if nofollow { arguments.append(.text("nofollow")) }
        return Operation("utimens", arguments: arguments)
    }
    static func setxattr(_ path: ScriptPath, _ name: String, _ value: String, _ flag: String? = nil) -> Operation {
        Operation("setxattr", arguments: [.path(path), .text(name), .text(value)] + (flag.map { [.text($0)] } ?? []))
    }
    static func getxattr(_ path: ScriptPath, _ name: String) -> Operation { Operation("getxattr", .path(path), .text(name)) }
    static func listxattr(_ path: ScriptPath) -> Operation { Operation("listxattr", .path(path)) }
    static func removexattr(_ path: ScriptPath, _ name: String) -> Operation { Operation("removexattr", .path(path), .text(name)) }
    static func readdir(_ path: ScriptPath) -> Operation { Operation("readdir", .path(path)) }
    static func umask(_ mode: UInt32) -> Operation { Operation("umask", .mode(mode)) }

    /// open, read everything (up to 64 bytes), close: the content of a file in three steps.
    static func readWhole(_ path: ScriptPath, slot: Int = 9) -> [Operation] {
        [.open(slot, path, "RDONLY"), .read(slot), .close(slot)]
    }
}

enum RenameFlag: String, Sendable, CaseIterable {
    case none, noreplace, exchange
}
