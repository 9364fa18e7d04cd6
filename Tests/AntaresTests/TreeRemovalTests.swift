@testable import Antares
import Glibc
import ScorpioTestSupport
import Testing

/// `Posix.removeTree`, which takes a finished job's upper, work and change-list directories.
struct TreeRemovalTests {
    @Test func aTreeGoesWholeAndWhatItsLinksPointAtStays() throws {
        let scratch = try Scratch()
        let root = scratch.path.string
        let setup = shell("""
            cd '\(root)' && mkdir -p keep tree/a/b/c tree/locked/inner tree/empty && echo kept > keep/file \
            && echo x > tree/a/b/c/deep && echo y > tree/top && mkfifo tree/a/fifo \
            && ln -s ../keep tree/a/link-to-dir && ln -s ../keep/file tree/link-to-file && ln -s nowhere tree/dangling \
            && echo z > tree/locked/inner/file && chmod 000 tree/locked/inner tree/locked
            """)
        #expect(setup.status == 0, "\(setup.output)")
        Posix.removeTree("\(root)/tree")
        #expect(access("\(root)/tree", F_OK) != 0)
        #expect(shell("cat '\(root)/keep/file'").output == "kept\n", "links are removed, not followed")
    }

    @Test func aLinkToADirectoryOrAFileIsRemovedItself() throws {
        let scratch = try Scratch()
        let root = scratch.path.string
        #expect(shell("cd '\(root)' && mkdir target && echo t > target/f && ln -s target link && echo f > plain").status == 0)
        Posix.removeTree("\(root)/link")
        Posix.removeTree("\(root)/plain")
        Posix.removeTree("\(root)/missing")
        #expect(access("\(root)/link", F_OK) != 0 && access("\(root)/plain", F_OK) != 0)
        #expect(shell("cat '\(root)/target/f'").output == "t\n")
    }
}
