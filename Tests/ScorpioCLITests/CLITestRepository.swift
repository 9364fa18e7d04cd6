import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

/// A git repository with one commit (`src/hello.txt` = "hello"), made with the git command line.
func makeTestRepository(in directory: FilePath) throws -> FilePath {
    let repository = directory.appending("repo")
    let script = """
        set -e; mkdir -p '\(repository)/src'; cd '\(repository)'; git init -q -b main .
        printf 'hello\\n' > src/hello.txt; git add -A
        git -c user.name=t -c user.email=t@x commit -qm one
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    return repository
}

/// The mountpoints below `directory`, in mount order.
func mounts(under directory: FilePath) -> [String] {
    mountpoints(under: directory)
}

/// Runs a shell script; returns its exit status and standard output.
func sh(_ script: String) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
