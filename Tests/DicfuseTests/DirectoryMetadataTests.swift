import Dicfuse
import FuseKit
import Glibc
import ScorpioTestSupport
import SystemPackage
import Testing

/// A plain directory served by Dicfuse shows each entry as `lstat` on the directory does, the way kernel
/// overlayfs shows it as a lower layer: special files, all mode bits, owners, sizes, link counts, times.
@Suite(.enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct DirectoryMetadataTests {
    @Test(arguments: ["fifo", "socket", "char-device", "dir-0751", "setuid", "several", "owned", "dated", "."])
    func anEntryShowsWhatTheSourceHas(name: String) throws {
        let tree = try SpecialTree()
        let served = try tree.serve()
        defer { served.unmount() }
        let source = try lstatOrThrow(tree.root.appending(name))
        let mounted = try lstatOrThrow(served.mountpoint.appending(name))
        #expect(differences(source, mounted) == [], "\(name)")
    }

    @Test func theNamesOfAHardLinkedFileShareOneInode() throws {
        let tree = try SpecialTree()
        let served = try tree.serve()
        defer { served.unmount() }
        // The second name first: its directory is the root, loaded before links/.
        let second = try lstatOrThrow(served.mountpoint.appending("second-name"))
        let first = try lstatOrThrow(served.mountpoint.appending("links/first"))
        #expect(first.st_ino == second.st_ino)
        #expect(first.st_nlink == 2 && second.st_nlink == 2)
        #expect(differences(try lstatOrThrow(tree.root.appending("links/first")), first) == [])
        #expect(shell("cat '\(served.mountpoint)/second-name' '\(served.mountpoint)/links/first'").output == "linked\nlinked\n")
        let other = try lstatOrThrow(served.mountpoint.appending("dated"))
        #expect(other.st_ino != first.st_ino)
    }

    @Test func theOwnerOptionAppliesOnlyWhereTheSourceRecordsNoneUnlessItOverrides() throws {
        let tree = try SpecialTree()
        var options = DicfuseOptions()
        options.uid = 4321
        options.gid = 8765
        let kept = try tree.serve(options)
        defer { kept.unmount() }
        let own = try lstatOrThrow(kept.mountpoint.appending("owned"))
        #expect((own.st_uid, own.st_gid) == (1234, 5678), "the source's owner, not the option's")

        options.overridesSourceOwners = true
        let overridden = try tree.serve(options, at: "overridden")
        defer { overridden.unmount() }
        for name in ["owned", "setuid", "fifo", "."] {
            let st = try lstatOrThrow(overridden.mountpoint.appending(name))
            #expect((st.st_uid, st.st_gid) == (4321, 8765), "\(name)")
        }
        let setuid = try lstatOrThrow(overridden.mountpoint.appending("setuid"))
        #expect(setuid.st_mode == S_IFREG | 0o4755, "only the owner is overridden")
    }

    /// Kernel overlayfs over the served directory and over the directory itself (the oracle) show the
    /// same entries, and copy each up (a metadata change) to the same upper entry.
    @Test func kernelOverlayfsSeesTheMountAsItSeesTheDirectory() throws {
        let tree = try SpecialTree()
        let served = try tree.serve()
        defer { served.unmount() }
        let overOracle = try tree.overlay("oracle", lower: tree.root)
        defer { overOracle.unmount() }
        let overMount = try tree.overlay("scorpio", lower: served.mountpoint)
        defer { overMount.unmount() }

        let listing = "find . -printf '%p %M %U %G %n %s %T@\\n' | grep -v '^\\. ' | sort"
        let expected = shell("cd '\(overOracle.merged)' && \(listing)").output
        #expect(expected.contains("./fifo prw"))
        #expect(shell("cd '\(overMount.merged)' && \(listing)").output == expected)
        let pairs = "stat -c %i links/first second-name | uniq | wc -l"
        #expect(shell("cd '\(overOracle.merged)' && \(pairs)").output == "1\n")
        #expect(shell("cd '\(overMount.merged)' && \(pairs)").output == "1\n", "one inode for both names")

        let readDevice = "head -c 3 char-device | od -An -tx1"
        #expect(shell("cd '\(overOracle.merged)' && \(readDevice)").output == " 00 00 00\n")
        #expect(shell("cd '\(overMount.merged)' && \(readDevice)").output == " 00 00 00\n", "the device opens through the overlay")

        let touchAll = "find . -mindepth 1 ! -type d -exec touch -h -m -d @86400 {} +"
        #expect(shell("cd '\(overOracle.merged)' && \(touchAll)").status == 0)
        #expect(shell("cd '\(overMount.merged)' && \(touchAll)").status == 0)
        // Directories copied up as parents get the time of the copy-up: compare their modes and owners.
        let uppers = "find . -mindepth 1 \\( -type d -printf '%p %M %U %G\\n' \\) -o -printf '%p %M %U %G %s %T@\\n' | sort"
        let copiedUp = shell("cd '\(overOracle.upper)' && \(uppers)").output
        #expect(copiedUp.contains("./char-device crw"))
        #expect(shell("cd '\(overMount.upper)' && \(uppers)").output == copiedUp)
        #expect(shell("stat -c %t:%T '\(overMount.upper)/char-device'").output == "1:7\n")
    }
}

/// A plain directory with one of each kind of entry and attribute a git tree cannot hold.
private struct SpecialTree {
    let scratch: Scratch
    let root: FilePath

    init() throws {
        scratch = try Scratch()
        root = scratch.directory("tree")
        let script = """
            set -e
            cd '\(root)'
            mkfifo fifo
            python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("socket")'
            mknod char-device c 1 7
            mkdir dir-0751; chmod 0751 dir-0751
            printf 'x' > setuid; chmod 4755 setuid
            mkdir several several/a several/b; printf 'c' > several/c; : > several/d
            printf 'owned\\n' > owned; chown 1234:5678 owned
            printf 'dated\\n' > dated; touch -d '2001-02-03 04:05:06.123456789' dated
            mkdir links; printf 'linked\\n' > links/first; ln links/first second-name
            chmod 0750 .
            """
        try #require(shell(script).status == 0, "the source tree is made")
    }

    struct Served {
        let mount: FuseMount
        let mountpoint: FilePath
        func unmount() { try? mount.unmount(lazy: true) }
    }

    func serve(_ options: DicfuseOptions = DicfuseOptions(), at name: String = "mnt") throws -> Served {
        let dicfuse = Dicfuse(source: try DirectoryTreeSource(path: root), store: try ContentStore(root: scratch.path.appending("store")), options: options)
        let mountpoint = scratch.directory(name)
        return Served(mount: try dicfuse.mount(at: mountpoint), mountpoint: mountpoint)
    }

    struct Overlay {
        let merged: FilePath
        let upper: FilePath
        func unmount() { _ = shell("umount -l '\(merged)'") }
    }

    func overlay(_ name: String, lower: FilePath) throws -> Overlay {
        let upper = scratch.directory("\(name)-upper"), work = scratch.directory("\(name)-work")
        let merged = scratch.directory("\(name)-merged")
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        try #require(shell("mount -t overlay overlay -o '\(options)' '\(merged)'").status == 0, "overlayfs over \(lower)")
        return Overlay(merged: merged, upper: upper)
    }
}

private func lstatOrThrow(_ path: FilePath) throws -> stat {
    var st = stat()
    guard lstat(path.string, &st) == 0 else { throw Errno(rawValue: errno) }
    return st
}

/// The fields of `stat` in which `mounted` differs from `source` (the inode number aside).
private func differences(_ source: stat, _ mounted: stat) -> [String] {
    func fields(_ st: stat) -> [(name: String, value: String)] {
        [("mode", String(st.st_mode, radix: 8)), ("uid", "\(st.st_uid)"), ("gid", "\(st.st_gid)"), ("nlink", "\(st.st_nlink)"),
         ("size", "\(st.st_size)"), ("rdev", "\(st.st_rdev)"), ("mtime", "\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")]
    }
    return zip(fields(source), fields(mounted)).filter { $0.value != $1.value }.map { "\($0.name): source \($0.value), mounted \($1.value)" }
}
