import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Jobs of an unprivileged build user (`--user UID:GID`): the tree is theirs, as a checkout would be,
/// with each driver.
@Suite("build users", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"), .serialized)
struct CLIBuildUserTests {
    static let drivers = ["fuse", "kernel"]

    /// A job sandbox another user can traverse, with a Makefile in the repository.
    private func withUserSandbox(_ body: (ScorpioProcess, FilePath, FilePath) throws -> Void) throws {
        try withJobSandbox { scorpio, directory, repository in
            try write("artifacts_dir = \"\(directory)/artifacts\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            chmod(directory.string, 0o755)
            #expect(sh("cd '\(repository)' && printf 'all:\\n\\techo built > out.txt\\n' > Makefile && git add Makefile && git -c user.name=t -c user.email=t@x commit -qm make").status == 0)
            try body(ScorpioProcess(executable: scorpio.executable, workingDirectory: repository), directory, repository)
            #expect(mounts(under: directory).isEmpty, "nothing stays mounted")
        }
    }

    @Test(arguments: drivers)
    func aBuildUserCreatesChangesAndDeletesAnythingInTheTree(driver: String) throws {
        try withUserSandbox { scorpio, directory, _ in
            let result = try scorpio.run(
                ["--config-path", "\(directory)/scorpio.toml", "run", "--user", "65534:65534", "--", "sh", "-c",
                 "test $(id -u) = 65534 && mkdir out && echo x > out/f && rm Makefile && echo more >> src/hello.txt && stat -c '%u:%g' src ."],
                environment: ["SCORPIO_UNION_DRIVER": driver])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput == "65534:65534\n65534:65534\n", "the base's directories are the build user's")
            let listing = sh("tar -tvzf '\(directory)'/artifacts/run-*.tar.gz").output
            #expect(listing.contains("65534/65534") && listing.contains("out/f"), "\(listing)")
            #expect(listing.contains(".wh.Makefile") && listing.contains("src/hello.txt"), "\(listing)")
        }
    }

    @Test(arguments: drivers)
    func aMountedJobIsTheBuildUsersTree(driver: String) throws {
        try withUserSandbox { scorpio, directory, _ in
            let mount = try scorpio.run(
                ["--config-path", "\(directory)/scorpio.toml", "mount", "owned", "--user", "1234:5678", "--driver", driver, "--at", "\(directory)/view"])
            try #require(mount.status == 0, "\(mount.standardError)")
            defer { _ = try? scorpio.run(["--config-path", "\(directory)/scorpio.toml", "umount", "owned"]) }
            #expect(sh("stat -c '%u:%g' '\(directory)/view' '\(directory)/view/src/hello.txt'").output == "1234:5678\n1234:5678\n")
            #expect(sh("cd '\(directory)/view' && setpriv --reuid=1234 --regid=5678 --clear-groups sh -c 'echo x >> src/hello.txt && mkdir new && rm Makefile'").status == 0)
            #expect(sh("stat -c '%u:%g' '\(directory)/view/new'").output == "1234:5678\n")
            let refused = try scorpio.run(["--config-path", "\(directory)/scorpio.toml", "mount", "bad", "--user", "nobody"])
            #expect(refused.status == 2 && refused.standardError.contains("--user nobody"), "\(refused.standardError)")
        }
    }
}
