@testable import Antares
import CGit2
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// The cache of a base commit's git index, which every job's `.git` gets.
struct BaseIndexTests {
    @Test func anIndexAnotherCacheHoldsForTheCommitIsLinkedNotBuiltAgain() throws {
        let scratch = try Scratch()
        let origin = scratch.directory("origin")
        let made = shell(
            """
            set -e
            cd '\(origin)' && git init -q -b main . && mkdir -p src && echo one > src/a && echo two > b
            git add . && git -c user.name=t -c user.email=t@t commit -q -m one && git rev-parse HEAD
            cd .. && git clone -q origin clone
            """)
        try #require(made.status == 0, "\(made.output)")
        var commit = git_oid()
        try #require(git_oid_fromstr(&commit, String(made.output.split(separator: "\n").last ?? "")) == 0)

        let first = try BaseIndex.cached(commit, of: GitRepository(at: origin.string), in: scratch.path.appending("first"))
        let clone = try GitRepository(at: scratch.path.appending("clone").string)
        let empty = scratch.directory("empty")
        let linked = try BaseIndex.cached(commit, of: clone, in: scratch.path.appending("second"), peers: [empty, first.removingLastComponent()])
        let built = try BaseIndex.cached(commit, of: clone, in: scratch.path.appending("third"), peers: [empty])

        func status(_ path: FilePath) throws -> stat {
            var st = stat()
            try #require(stat(path.string, &st) == 0, "\(path)")
            return st
        }
        #expect(try status(linked).st_ino == status(first).st_ino, "the other cache's index, linked")
        #expect(try status(first).st_nlink == 2)
        #expect(try status(built).st_ino != status(first).st_ino, "no cache had it: built")
        #expect(shell("cmp '\(first)' '\(built)'").status == 0, "an index depends on the commit alone")
    }
}
