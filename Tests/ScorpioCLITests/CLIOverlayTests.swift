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

    /// Lowers alone, as a container engine mounts an image's layers read-only: merged as overlayfs merges
    /// them (the oracle, over the same lowers), read-only, one lower taken too (as fuse-overlayfs takes
    /// it), and a plain umount leaves nothing mounted, running or made behind.
    @Test(arguments: ["fuse", "kernel"])
    func lowersAloneAreMergedReadOnlyAsOverlayfsMergesThem(driver: String) throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("""
                set -e; mkdir -p '\(d)/top/opaque' '\(d)/bottom/dir' '\(d)/bottom/opaque' '\(d)/oracle' '\(d)/mnt'
                echo bottom > '\(d)/bottom/a'; echo bottom > '\(d)/bottom/b'; echo bottom > '\(d)/bottom/dir/c'
                echo bottom > '\(d)/bottom/gone'; echo bottom > '\(d)/bottom/opaque/hidden'
                echo top > '\(d)/top/b'; mknod '\(d)/top/gone' c 0 0; echo top > '\(d)/top/opaque/shown'
                setfattr -n trusted.overlay.opaque -v y '\(d)/top/opaque'
                mount -t overlay overlay -o 'lowerdir=\(d)/top:\(d)/bottom' '\(d)/oracle'
                """).status == 0)
            defer { detachMounts(under: directory) }
            let listing = { (root: String) in sh("cd '\(root)' && find . -printf '%P %y %m %s\\n' | sort && cat a b dir/c opaque/shown").output }
            let expected = listing("\(d)/oracle")
            #expect(expected.contains("opaque/shown") && !expected.contains("gone") && !expected.contains("hidden"), "\(expected)")
            #expect(sh("umount '\(d)/oracle'").status == 0)

            for lowers in ["\(d)/top:\(d)/bottom", "\(d)/bottom"] {
                let mount = try scorpio.run(["overlay", "--driver", driver, "-o", "lowerdir=\(lowers)", "\(d)/mnt"])
                try #require(mount.status == 0, "\(lowers): \(mount.standardError)")
                #expect(listing("\(d)/mnt") == (lowers.contains(":") ? expected : listing("\(d)/bottom")), "\(lowers)")
                let write = sh("touch '\(d)/mnt/new' 2>&1; echo x >> '\(d)/mnt/a' 2>&1")
                #expect(write.status != 0 && write.output.contains("Read-only file system"), "\(write.output)")
                #expect(sh("grep -q ' \(d)/mnt .* ro[,]' /proc/mounts").status == 0)
                #expect(sh("umount '\(d)/mnt'").status == 0)
                waitUntil { sh("ls -A '\(d)/antares/upper/.read-only' 2>/dev/null | grep -q union-").status != 0 }
                #expect(sh("ls -A '\(d)/antares/upper/.read-only' 2>/dev/null | grep union-").output.isEmpty, "the union's private directories are removed")
                #expect(mounts(under: directory).isEmpty)
            }
            #expect(sh("cat '\(d)/bottom/a' '\(d)/top/b'").output == "bottom\ntop\n", "the lowers are untouched")
        }
    }

    /// A fuse-driver server of lowers alone killed with SIGKILL leaves its private upper behind; the next
    /// such union removes it (the dead server's lock is gone), and leaves a live union's alone.
    @Test func aKilledServersPrivateDirectoryIsSweptByTheNextUnion() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string, spare = "\(d)/antares/upper/.read-only"
            #expect(sh("mkdir -p '\(d)/low' '\(d)/mnt1' '\(d)/mnt2' '\(d)/mnt3' && echo low > '\(d)/low/a'").status == 0)
            defer { detachMounts(under: directory) }
            let privateDirectories = { sh("ls -A '\(spare)' | grep '^union-' | sort").output.split(separator: "\n").map(String.init) }
            for mountpoint in ["mnt1", "mnt2"] {
                let mount = try scorpio.run(["overlay", "--driver", "fuse", "-o", "lowerdir=\(d)/low", "\(d)/\(mountpoint)"])
                try #require(mount.status == 0, "\(mount.standardError)")
            }
            let before = privateDirectories()
            try #require(before.count == 2, "\(before)")
            let server = sh("for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline | grep -q -- ' \(d)/mnt1 *$' && echo ${p#/proc/}; done").output
            let pid = try #require(Int32(server.trimmingCharacters(in: .whitespacesAndNewlines)), "no server for mnt1: '\(server)'")
            #expect(kill(pid, SIGKILL) == 0)
            waitUntil { kill(pid, 0) != 0 }
            #expect(sh("umount -l '\(d)/mnt1'").status == 0)
            #expect(privateDirectories() == before, "a killed server's directory stays until the next union")

            let mount = try scorpio.run(["overlay", "--driver", "fuse", "-o", "lowerdir=\(d)/low", "\(d)/mnt3"])
            try #require(mount.status == 0, "\(mount.standardError)")
            let after = privateDirectories()
            #expect(after.count == 2 && Set(after).intersection(before).count == 1, "the killed server's directory is swept, the live one's kept: \(before) → \(after)")
            #expect(sh("cat '\(d)/mnt2/a' '\(d)/mnt3/a'").output == "low\nlow\n", "the live unions still serve")
            #expect(sh("umount '\(d)/mnt2' && umount '\(d)/mnt3'").status == 0)
            waitUntil { privateDirectories().isEmpty }
            #expect(privateDirectories().isEmpty)
            #expect(mounts(under: directory).isEmpty)
        }
    }

    @Test func anUpperWithoutAWorkdirIsRefusedNamingIt() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let refused = try scorpio.run(["overlay", "-o", "lowerdir=/a,upperdir=/u", "\(directory)/mnt"])
            #expect(refused.status == 2)
            #expect(refused.standardError.contains("upperdir=/u needs workdir="), "\(refused.standardError)")
        }
    }

    @Test func badLowersAreRefusedNamingThem() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let empty = try scorpio.run(["overlay", "-o", "lowerdir=/a::/c,upperdir=/u,workdir=/w", "\(directory)/mnt"])
            #expect(empty.status == 2)
            #expect(empty.standardError.contains("lowerdir=/a::/c"), "\(empty.standardError)")
            let unknown = try scorpio.run(["overlay", "-o", "lowerdir=/a,upperdir=/u,workdir=/w,bogus", "\(directory)/mnt"])
            #expect(unknown.status == 2)
            #expect(unknown.standardError.contains("-o bogus: not supported"), "\(unknown.standardError)")
            #expect(unknown.standardError.contains("Usage: scorpio overlay"), "the usage shown is overlay's: \(unknown.standardError)")
            #expect(sh("mkdir -p '\(directory)/mnt'").status == 0)
            let missing = try scorpio.run(["overlay", "-o", "lowerdir=\(directory)/no-such,upperdir=\(directory)/u,workdir=\(directory)/w", "\(directory)/mnt"])
            #expect(missing.status != 0)
            #expect(missing.standardError.contains("\(directory)/no-such"), "\(missing.standardError)")
            #expect(mounts(under: directory).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/u"), "a refused union made its upper")
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/w"), "a refused union made its workdir")
        }
    }

    @Test(arguments: ["fuse", "kernel"])
    func aMissingMountpointIsRefusedNamingItAndLeavesNothing(driver: String) throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("mkdir -p '\(d)/low'").status == 0)
            let refused = try scorpio.run(["overlay", "--driver", driver, "-o", "lowerdir=\(d)/low,upperdir=\(d)/u,workdir=\(d)/w", "\(d)/no-mnt"])
            #expect(refused.status != 0)
            #expect(refused.standardError.contains("mountpoint \(d)/no-mnt does not exist"), "\(refused.standardError)")
            #expect(!FileManager.default.fileExists(atPath: "\(d)/u"), "a refused union made its upper")
            #expect(!FileManager.default.fileExists(atPath: "\(d)/w"), "a refused union made its workdir")
            #expect(mounts(under: directory).isEmpty)
        }
    }

    @Test(arguments: ["fuse", "kernel"])
    func anyNumberOfLowersMergeTopmostFirst(driver: String) throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("""
                set -e; mkdir -p '\(d)/l1' '\(d)/l2' '\(d)/l3/dir' '\(d)/up' '\(d)/work' '\(d)/mnt'
                echo 1 > '\(d)/l1/a'; echo 2 > '\(d)/l2/a'; echo 2 > '\(d)/l2/b'; echo 3 > '\(d)/l3/c'; echo 3 > '\(d)/l3/dir/d'
                """).status == 0)
            defer { detachMounts(under: directory) }
            let mount = try scorpio.run(["overlay", "--driver", driver, "-o", "lowerdir=\(d)/l1:\(d)/l2:\(d)/l3,upperdir=\(d)/up,workdir=\(d)/work", "\(d)/mnt"])
            try #require(mount.status == 0, "\(mount.standardError)")
            #expect(sh("cd '\(d)/mnt' && cat a b c dir/d && ls").output == "1\n2\n3\n3\na\nb\nc\ndir\n")
            #expect(sh("umount '\(d)/mnt'").status == 0)
        }
    }
}
