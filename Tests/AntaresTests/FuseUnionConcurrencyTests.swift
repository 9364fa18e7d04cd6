import Antares
import Dispatch
import Glibc
import ScorpioTestSupport
import SystemPackage
import Synchronization
import Testing

/// Requests arriving on several libfuse threads at once.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct FuseUnionConcurrencyTests {
    @Test func concurrentWritersToDistinctFiles() throws {
        let union = try FuseUnionMount()
        let writers = 8, lines = 200
        let failures = Atomic<Int>(0)
        let root = union.mountpoint.string
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            // Half the writers append to copies of base files, half to new files.
            let path = writer.isMultiple(of: 2) ? "\(root)/src/new-\(writer).txt" : "\(root)/copy-\(writer).bin"
            if !writer.isMultiple(of: 2) { _ = shell("cp '\(root)/blob.bin' '\(path)'") }
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            guard fd >= 0 else { failures.add(1, ordering: .relaxed); return }
            defer { close(fd) }
            for line in 0..<lines {
                let text = "writer \(writer) line \(line)\n"
                if write(fd, text, text.utf8.count) != text.utf8.count { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        for writer in stride(from: 0, to: writers, by: 2) {
            let expected = (0..<lines).map { "writer \(writer) line \($0)\n" }.joined()
            #expect(union.run("cat src/new-\(writer).txt") == expected)
            #expect(shell("cat '\(union.upper)/src/new-\(writer).txt'").output == expected)
        }
        for writer in stride(from: 1, to: writers, by: 2) {
            #expect(union.run("tail -n 1 copy-\(writer).bin") == "writer \(writer) line \(lines - 1)\n")
            #expect(try #require(union.status("copy-\(writer).bin")).st_size == 1_048_577 + Int((0..<lines).map { "writer \(writer) line \($0)\n".utf8.count }.reduce(0, +)))
        }
    }

    @Test func concurrentCopyUpOfOneFile() throws {
        let union = try FuseUnionMount()
        let file = union.path("src/main.c")
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            _ = shell("echo \(writer) >> '\(file)'")
        }
        let lines = union.run("cat src/main.c").split(separator: "\n")
        #expect(lines.count == 9)
        #expect(lines.first == "changed")
        #expect(Set(lines.dropFirst()) == Set((0..<8).map { "\($0)" }[...]))
    }

    @Test func readdirUnderConcurrentCreation() throws {
        let union = try FuseUnionMount()
        let baseNames: Set<String> = ["src", "run.sh", "empty.txt", "blob.bin", "link-to-main", "odd dir", "empty-later", "new"]
        let created = 300
        let problems = Mutex<[String]>([])
        let done = Atomic<Bool>(false)
        let root = union.mountpoint.string
        DispatchQueue.concurrentPerform(iterations: 3) { role in
            if role == 0 {
                for index in 0..<created {
                    let fd = open("\(root)/file-\(index)", O_WRONLY | O_CREAT | O_EXCL, 0o644)
                    if fd < 0 { problems.withLock { $0.append("create \(index): \(errno)") } } else { close(fd) }
                    if index.isMultiple(of: 3) { unlink("\(root)/empty.txt"); close(open("\(root)/empty.txt", O_CREAT | O_WRONLY, 0o644)) }
                }
                done.store(true, ordering: .releasing)
                return
            }
            while !done.load(ordering: .acquiring) {
                let names = listing(root)
                if Set(names).count != names.count { problems.withLock { $0.append("a name listed twice") } }
                let missing = baseNames.subtracting(["empty.txt"]).subtracting(names)
                if !missing.isEmpty { problems.withLock { $0.append("base names missing: \(missing)") } }
            }
        }
        #expect(problems.withLock { $0 } == [])
        let final = Set(listing(union.mountpoint.string))
        #expect(final.isSuperset(of: (0..<created).map { "file-\($0)" }))
        #expect(final.isSuperset(of: baseNames))
    }
}

/// The names `readdir(3)` returns for a directory, without `.` and `..`.
private func listing(_ path: String) -> [String] {
    guard let stream = opendir(path) else { return [] }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
