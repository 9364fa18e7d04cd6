import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio base mount|unmount` and `scorpio store`, run as a user would.
@Suite("scorpio base", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIBaseTests {
    private func isMounted(_ path: FilePath) -> Bool {
        mounts(under: path.removingLastComponent()).contains(path.string)
    }

    @Test func mountServesTheRevisionInTheBackgroundUntilUnmounted() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let mountpoint = directory.appending("mnt")
            try FileManager.default.createDirectory(atPath: mountpoint.string, withIntermediateDirectories: true)
            let mounted = try scorpio.run(["base", "mount", mountpoint.string, "--repo", repository.string, "--rev", "main"])
            defer { _ = try? scorpio.run(["base", "unmount", "--lazy", mountpoint.string]) }
            #expect(mounted.status == 0, "\(mounted.standardError)")
            #expect(mounted.standardOutput.contains("serving \(mountpoint.string)"))
            #expect(try contents(of: mountpoint.appending("src/hello.txt")) == "hello\n")

            let stats = try scorpio.run(["store", "stats"])
            #expect(stats.standardOutput.contains("1 blobs"), "\(stats.standardOutput)")
            let unmounted = try scorpio.run(["base", "unmount", mountpoint.string])
            #expect(unmounted.status == 0, "\(unmounted.standardError)")
            #expect(!isMounted(mountpoint))
        }
    }

    @Test func unknownRevisionFailsNamingItAndMountsNothing() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let mountpoint = directory.appending("mnt")
            try FileManager.default.createDirectory(atPath: mountpoint.string, withIntermediateDirectories: true)
            let run = try scorpio.run(["base", "mount", mountpoint.string, "--repo", repository.string, "--rev", "no-such-rev"])
            #expect(run.status == 3)
            #expect(run.standardError.contains("'no-such-rev' not found"), "\(run.standardError)")
            #expect(!isMounted(mountpoint))
        }
    }

    @Test func missingMountpointFailsNamingIt() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let run = try scorpio.run(["base", "mount", "/tmp/no/such/mountpoint", "--repo", repository.string, "--foreground"])
            #expect(run.status == 3)
            #expect(run.standardError.contains("/tmp/no/such/mountpoint does not exist"), "\(run.standardError)")
        }
    }

    @Test func storeGarbageCollectionTrimsToTheCap() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let mountpoint = directory.appending("mnt")
            try FileManager.default.createDirectory(atPath: mountpoint.string, withIntermediateDirectories: true)
            _ = try scorpio.run(["base", "mount", mountpoint.string, "--repo", repository.string])
            // Read in a child: a descriptor opened here could leak into a process another test spawns
            // meanwhile and keep the mount busy.
            #expect(sh("cat '\(mountpoint)/src/hello.txt'").output == "hello\n")
            let unmounted = try scorpio.run(["base", "unmount", mountpoint.string])
            #expect(unmounted.status == 0, "\(unmounted.standardError)")
            let gc = try scorpio.run(["store", "gc", "--max-bytes", "1"])
            #expect(gc.status == 0, "\(gc.standardError)")
            #expect(gc.standardOutput.contains("removed 1 of 1 blobs"), "\(gc.standardOutput)")
        }
    }
}
