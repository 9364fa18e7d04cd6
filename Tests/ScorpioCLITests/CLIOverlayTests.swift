import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio overlay`: fuse-overlayfs's command line over plain directories.
@Suite("scorpio overlay", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIOverlayTests {
    @Test func plainDirectoriesAreUnitedWithOverlaySemantics() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("""
                set -e; mkdir -p '\(d)/base/dir' '\(d)/cl' '\(d)/up' '\(d)/work' '\(d)/mnt'
                echo base > '\(d)/base/a'; echo base > '\(d)/base/b'; echo base > '\(d)/base/dir/c'
                echo cl > '\(d)/cl/b'; mknod '\(d)/cl/gone' c 0 0; echo base > '\(d)/base/gone'
                """).status == 0)
            let server = Process()
            server.executableURL = URL(fileURLWithPath: scorpio.executable.string)
            server.arguments = ["overlay", "-f", "-o", "lowerdir=\(d)/cl:\(d)/base,upperdir=\(d)/up,workdir=\(d)/work", "\(d)/mnt"]
            server.currentDirectoryURL = URL(fileURLWithPath: d)
            server.environment = ["HOME": d, "PATH": "/usr/bin:/bin"]
            try server.run()
            defer {
                if server.isRunning { server.interrupt() }
                server.waitUntilExit()
                for mount in mounts(under: directory).reversed() { _ = umount2(mount, Int32(MNT_DETACH)) }
            }
            var waited = 0
            while mounts(under: directory).allSatisfy({ !$0.hasSuffix("/mnt") }) && waited < 250 {
                usleep(20_000)
                waited += 1
            }
            #expect(sh("cat '\(d)/mnt/a' '\(d)/mnt/b'").output == "base\ncl\n", "the upper layer over the CL over the base")
            #expect(sh("test -e '\(d)/mnt/gone'").status != 0, "a whiteout in the middle layer hides the base file")
            #expect(sh("echo more >> '\(d)/mnt/a' && rm '\(d)/mnt/dir/c' && mv '\(d)/mnt/dir' '\(d)/mnt/moved'").status == 0)
            #expect(sh("cat '\(d)/up/a'").output == "base\nmore\n", "copied up")
            #expect(sh("cat '\(d)/base/a'").output == "base\n", "the lower is untouched")
            #expect(sh("test -c '\(d)/up/dir' || test -c '\(d)/up/moved/c'").status == 0, "deletions are whiteouts")
            server.interrupt()
            server.waitUntilExit()
            #expect(mounts(under: directory).isEmpty, "SIGINT unmounts everything")
        }
    }

    @Test func asAMountHelperItServesFromTheBackground() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("mkdir -p '\(d)/base' '\(d)/up' '\(d)/work' '\(d)/mnt' && echo base > '\(d)/base/a' && ln -s '\(scorpio.executable)' '\(d)/scorpio-overlay'").status == 0)
            defer { detachMounts(under: directory) }
            let helper = sh("cd '\(d)' && ./scorpio-overlay none '\(d)/mnt' -o 'rw,lowerdir=\(d)/base,upperdir=\(d)/up,workdir=\(d)/work'")
            #expect(helper.status == 0)
            #expect(sh("cat '\(d)/mnt/a'").output == "base\n")
            #expect(sh("umount '\(d)/mnt'").status == 0)
        }
    }

    @Test func moreThanTwoLowersAreRefusedNamingTheOption() throws {
        try withSandbox { scorpio, directory in
            let run = try scorpio.run(["overlay", "-o", "lowerdir=/a:/b:/c,upperdir=/u,workdir=/w", "\(directory)/mnt"])
            #expect(run.status == 2)
            #expect(run.standardError.contains("lowerdir=/a:/b:/c"), "\(run.standardError)")
        }
    }
}
