import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio overlay`'s server as a process: its mount options, its descriptors, its end. With each driver.
@Suite("scorpio overlay's server", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"), .serialized)
struct CLIOverlayServerTests {
    static let drivers = ["fuse", "kernel"]

    /// Lower, upper, work and mountpoint directories under `directory`; returns the `-o` layer options.
    private func layers(in directory: FilePath) -> String {
        let d = directory.string
        _ = sh("mkdir -p '\(d)/lower' '\(d)/up' '\(d)/work' '\(d)/mnt' && echo base > '\(d)/lower/a'")
        return "lowerdir=\(d)/lower,upperdir=\(d)/up,workdir=\(d)/work"
    }

    /// The pids of `scorpio` processes whose command line names `mountpoint`.
    private func servers(of mountpoint: String, _ scorpio: ScorpioProcess) -> [Int32] {
        let script = """
            for p in /proc/[0-9]*; do
                [ "$(readlink $p/exe)" = '\(scorpio.executable)' ] && tr '\\0' ' ' < $p/cmdline | grep -q -- ' \(mountpoint)' && echo ${p#/proc/}
            done
            """
        return sh(script).output.split(separator: "\n").compactMap { Int32($0) }
    }

    private func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.split(separator: ")").last?.split(separator: " ").first != "Z"
    }

    @Test(arguments: drivers)
    func umountEndsTheServerAndFreesTheLower(driver: String) throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            #expect(sh("mkdir -p '\(d)/lowerfs' && mount -t tmpfs lowerfs '\(d)/lowerfs'").status == 0)
            defer { detachMounts(under: directory) }
            #expect(sh("mkdir -p '\(d)/lowerfs/lower' '\(d)/up' '\(d)/work' '\(d)/mnt' && echo base > '\(d)/lowerfs/lower/a'").status == 0)
            let mount = try scorpio.run(["overlay", "--driver", driver, "-o", "lowerdir=\(d)/lowerfs/lower,upperdir=\(d)/up,workdir=\(d)/work", "\(d)/mnt"])
            try #require(mount.status == 0, "\(mount.standardError)")
            #expect(sh("cat '\(d)/mnt/a'").output == "base\n")
            let pids = servers(of: "\(d)/mnt", scorpio)
            #expect(pids.isEmpty == (driver == "kernel"), "the fuse driver serves from the background; the kernel needs no server")
            #expect(sh("umount '\(d)/mnt'").status == 0)
            var waited = 0
            while pids.contains(where: isRunning) && waited < 500 {
                usleep(10_000)
                waited += 1
            }
            #expect(!pids.contains(where: isRunning), "the server exits once its mount is gone")
            #expect(sh("umount '\(d)/lowerfs'").status == 0, "nothing holds the lower's filesystem")
            #expect(sh("rm -rf '\(d)/work' '\(d)/up'").status == 0, "nothing is left mounted in the work directory")
            #expect(mounts(under: directory).isEmpty)
        }
    }

    @Test(arguments: drivers)
    func genericMountOptionsAreHonoured(driver: String) throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let d = directory.string
            let options = layers(in: directory)
            defer { detachMounts(under: directory) }
            for (extra, expected) in [("dev,suid,allow_other", ["rw"]), ("nodev,nosuid,noexec,noatime", ["nodev", "nosuid", "noexec", "noatime"]), ("ro", ["ro"])] {
                let mount = try scorpio.run(["overlay", "--driver", driver, "-o", "\(options),\(extra)", "\(d)/mnt"])
                try #require(mount.status == 0, "\(extra): \(mount.standardError)")
                let line = sh("awk '$2 == \"\(d)/mnt\" {print $4}' /proc/mounts").output
                let flags = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
                for flag in expected { #expect(flags.contains(flag), "\(extra): \(line)") }
                if extra.hasPrefix("dev") { #expect(!flags.contains("nodev") && !flags.contains("nosuid"), "\(line)") }
                #expect(sh("umount '\(d)/mnt'").status == 0)
            }
            let refused = try scorpio.run(["overlay", "--driver", driver, "-o", "\(options),squash_to_root", "\(d)/mnt"])
            #expect(refused.status == 2 && refused.standardError.contains("squash_to_root"), "\(refused.standardError)")
            #expect(mounts(under: directory).isEmpty)
        }
    }
}
