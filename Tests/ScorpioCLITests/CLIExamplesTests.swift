import Foundation
import SystemPackage
import Testing

/// The programs under examples/ do what their comments say.
@Suite("examples", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIExamplesTests {
    private static let sourceRoot = FilePath(#filePath).removingLastComponent().removingLastComponent().removingLastComponent()

    @Test func theMonorepoWalkthroughBuildsTheBaseTheChangeListAndTheWorkTree() throws {
        try withSandbox { scorpio, directory in
            let script = Self.sourceRoot.appending("examples/monorepo/walkthrough.sh")
            let result = sh("SCORPIO='\(scorpio.executable)' '\(script)' '\(directory)/walkthrough' 2>&1")
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("hello, world\n") && result.output.contains("hi, world\n") && result.output.contains("hey, world\n"),
                    "\(result.output)")
            #expect(mounts(under: directory).isEmpty)
        }
    }

    @Test func theLibraryExampleMountsAJobAndRunsACommand() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let example = scorpio.executable.removingLastComponent().appending("scorpio-library-example")
            let d = directory.string
            let result = sh("HOME='\(d)' TMPDIR='\(d)' SCORPIO_CONFIG='\(d)/scorpio.toml' '\(example)' '\(repository)' 2>&1")
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("A EXAMPLE.txt"), "the change made through the union is listed")
            #expect(sh("tar -tzf '\(d)/scorpio-library-example.tar.gz'").output == "kernel.txt\n")
            #expect(mounts(under: directory).isEmpty)
        }
    }
}
