@testable import Dicfuse
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// Blob ids as git computes them (`git hash-object`), and the content store's check of a stored copy.
@Suite struct GitBlobHashTests {
    /// Contents by name: the names are the test's arguments, so its log stays short.
    private static func content(named name: String) -> [UInt8] {
        switch name {
        case "text": Array("int main(void) { return 0; }\n".utf8)
        case "binary": (0..<256).map { UInt8($0) } + [0, 0, 0xff]
        case "3 MiB": (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        default: []
        }
    }

    @Test(arguments: ["empty", "text", "binary", "3 MiB"])
    func idsAreGitsAndAStoredCopyIsCheckedAgainstThem(name: String) throws {
        let content = Self.content(named: name)
        let scratch = try Scratch()
        let file = scratch.path.appending("blob")
        let descriptor = try FileDescriptor.open(file, .readWrite, options: [.create], permissions: [.ownerReadWrite])
        defer { try? descriptor.close() }
        _ = try descriptor.writeAll(content)

        let git = shell("git hash-object '\(file)'")
        try #require(git.status == 0)
        let id = GitBlobHash.id(of: content)
        #expect(id.hex + "\n" == git.output, "\(name): git's id")
        #expect(try GitBlobHash.matches(id, content: descriptor, size: UInt64(content.count)))

        #expect(try !GitBlobHash.matches(id, content: descriptor, size: UInt64(content.count + 1)), "\(name): a size the file does not have")
        guard !content.isEmpty else { return }
        var changed = content
        changed[changed.count / 2] ^= 0x20
        _ = try descriptor.writeAll(toAbsoluteOffset: 0, changed)
        #expect(try !GitBlobHash.matches(id, content: descriptor, size: UInt64(content.count)), "\(name): one byte changed")
    }
}
