import Foundation
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `scorpio mount|umount|list`, run as a user would.
@Suite("scorpio mount", .enabled(if: CLIDoctorTests.privileged, "needs root and /dev/fuse"))
struct CLIJobTests {
    @Test func aJobIsMountedWrittenListedAndUnmounted() throws {
        try withJobSandbox { scorpio, directory, repository in
            let mounted = try scorpio.run(["mount", "job-1", "--repo", repository.string])
            #expect(mounted.status == 0, "\(mounted.standardError)")
            let listed = try scorpio.run(["list"])
            let line = try #require(listed.standardOutput.split(separator: "\n").first { $0.hasPrefix("job-1\t") })
            #expect(line.contains("\tReady\t"))
            let mountpoint = String(line.split(separator: "\t")[2])
            #expect(try contents(of: FilePath(mountpoint).appending("src/hello.txt")) == "hello\n")
            try write("new\n", to: FilePath(mountpoint).appending("new.txt"))

            let json = try scorpio.run(["list", "--json"])
            #expect(json.standardOutput.contains("\"job_id\" : \"job-1\""), "\(json.standardOutput)")
            let again = try scorpio.run(["mount", "job-1", "--repo", repository.string, "--path", "src"])
            #expect(again.status != 0 && again.standardError.contains("already mounted"), "\(again.standardError)")

            try FileManager.default.removeItem(atPath: mountpoint + "/src/hello.txt")
            let diff = try scorpio.run(["diff", "job-1"])
            #expect(diff.status == 0, "\(diff.standardError)")
            #expect(diff.standardOutput == "A new.txt\nD src/hello.txt\n")

            let unmounted = try scorpio.run(["umount", "job-1", "--keep-upper"])
            #expect(unmounted.status == 0, "\(unmounted.standardError)")
            #expect(unmounted.standardOutput.contains("upper kept"))
            var waited = 0
            while !mounts(under: directory).isEmpty && waited < 100 {
                usleep(20_000)
                waited += 1
            }
            #expect(mounts(under: directory).isEmpty, "nothing of the job stays mounted")
            let kept = try scorpio.run(["list"]).standardOutput
            #expect(kept.hasPrefix("job-1\tUnmounted, upper kept ("), "the kept job is listed: \(kept)")
            #expect(try scorpio.run(["diff", "job-1"]).standardOutput == "A new.txt\nD src/hello.txt\n", "the kept upper still answers")
        }
    }

    @Test func aJobWithAChangeListSeesItsChangesOverTheBase() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let repository = try makeTestRepository(in: directory)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", """
                set -e; cd '\(repository)'; git checkout -q -b cl
                printf 'changed\\n' > src/hello.txt; printf 'added\\n' > added.txt; mkdir gone; : > gone/x
                git add -A; git -c user.name=t -c user.email=t@x commit -qm cl
                git update-ref refs/cl/7 HEAD; git checkout -q main
                """]
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            defer { detachMounts(under: directory) }

            let mounted = try scorpio.run(["mount", "cl-job", "--repo", repository.string, "--cl", "7"])
            #expect(mounted.status == 0, "\(mounted.standardError)")
            let line = try #require(try scorpio.run(["list"]).standardOutput.split(separator: "\n").first { $0.hasPrefix("cl-job\t") })
            let mountpoint = FilePath(String(line.split(separator: "\t")[2]))
            #expect(try contents(of: mountpoint.appending("src/hello.txt")) == "changed\n")
            #expect(try contents(of: mountpoint.appending("added.txt")) == "added\n")
            #expect(try scorpio.run(["diff", "cl-job"]).standardOutput == "", "the CL is not the job's own change")
            #expect(try scorpio.run(["umount", "cl-job"]).status == 0)

            let unknown = try scorpio.run(["mount", "cl-job-2", "--repo", repository.string, "--cl", "999"])
            #expect(unknown.status != 0)
            #expect(unknown.standardError.contains("999"), "\(unknown.standardError)")
        }
    }

    @Test func aServerKilledWithSIGKILLLeavesNoDeadMountAndATruthfulState() throws {
        try withJobSandbox { scorpio, directory, repository in
            #expect(try scorpio.run(["mount", "doomed", "--repo", repository.string]).status == 0)
            let listed = try scorpio.run(["list"]).standardOutput
            let mountpoint = try #require(listed.split(separator: "\n").first { $0.hasPrefix("doomed\t") }).split(separator: "\t")[2]
            try write("work\n", to: FilePath(String(mountpoint)).appending("work.txt"))

            let stateFile = directory.appending("antares/state.toml")  // as sandboxedDirectories(in:) sets it
            let pidLine = try #require(try contents(of: stateFile).split(separator: "\n").first { $0.hasPrefix("pid = ") })
            let pid = try #require(Int32(pidLine.dropFirst("pid = ".count)))
            #expect(kill(pid, SIGKILL) == 0)
            var waited = 0
            while kill(pid, 0) == 0 && waited < 100 {
                usleep(20_000)
                waited += 1
            }

            let recovered = try scorpio.run(["list"])
            let line = try #require(recovered.standardOutput.split(separator: "\n").first { $0.hasPrefix("doomed\t") })
            #expect(line.contains("Failed: its serving process \(pid) is gone"), "\(line)")
            #expect(mounts(under: directory).isEmpty, "no dead mountpoint is left: \(mounts(under: directory))")
            #expect(try scorpio.run(["diff", "doomed"]).standardOutput == "A work.txt\n", "the job's work is kept")
        }
    }

    @Test(arguments: ["kernel", "fuse"])
    func anInterruptedForegroundMountRecordsItsJobUnmountedWithItsUpperKept(driver: String) throws {
        try withJobSandbox { scorpio, directory, repository in
            let server = Process()
            server.executableURL = URL(fileURLWithPath: scorpio.executable.string)
            server.arguments = ["mount", "held", "--repo", repository.string, "--driver", driver, "--foreground"]
            server.currentDirectoryURL = URL(fileURLWithPath: directory.string)
            server.environment = ["HOME": directory.string, "PATH": "/usr/bin:/bin"]
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            defer {
                if server.isRunning { server.terminate() }
                server.waitUntilExit()
            }
            var listed = "", waited = 0
            while !listed.contains("held\tReady\t") && waited < 250 {
                usleep(20_000)
                waited += 1
                listed = try scorpio.run(["list"]).standardOutput
            }
            try #require(listed.contains("held\tReady\t"), "\(listed)")
            try write("work\n", to: FilePath(String(listed.split(separator: "\t")[2])).appending("work.txt"))

            server.interrupt()
            server.waitUntilExit()
            #expect(server.terminationReason == .uncaughtSignal && server.terminationStatus == SIGINT, "it ends by the signal")
            let after = try scorpio.run(["list"]).standardOutput
            #expect(after.contains("held\tUnmounted, upper kept"), "the job's record is finished before the process ends: \(after)")
            #expect(mounts(under: directory).isEmpty)
            #expect(try scorpio.run(["diff", "held"]).standardOutput == "A work.txt\n", "the job's work is kept")
        }
    }

    @Test func aJobWithoutAnIDIsNamedInTheLineThatSaysItIsReady() throws {
        try withJobSandbox { scorpio, directory, repository in
            let mounted = try scorpio.run(["mount", "--repo", repository.string])
            #expect(mounted.status == 0, "\(mounted.standardError)")
            let line = mounted.standardOutput
            let job = try #require(line.split(separator: " ").dropFirst(2).first, "\(line)")
            #expect(line.hasPrefix("scorpio: job \(job) mounted at \(directory.string)/"), "\(line)")
            #expect(line.contains("ready in "), "\(line)")
            let listed = try scorpio.run(["list"]).standardOutput
            #expect(listed.split(separator: "\n").contains { $0.hasPrefix("\(job)\tReady\t") }, "\(listed)")
            #expect(try scorpio.run(["umount", String(job)]).status == 0)
        }
    }

    @Test func aFailureOfTheBackgroundServerReachesTheCallerAsInTheForeground() throws {
        try withJobSandbox { scorpio, directory, repository in
            let arguments = ["mount", "job-1", "--repo", repository.string, "--rev", "no-such-revision"]
            let background = try scorpio.run(arguments)
            let foreground = try scorpio.run(arguments + ["--foreground"])
            #expect(background.status == 3, "upstream's mount-failure status")
            #expect(background.status == foreground.status)
            #expect(background.standardError.contains("no-such-revision"), "\(background.standardError)")
            #expect(background.standardError == foreground.standardError)
            #expect(mounts(under: directory).isEmpty)
        }
    }

    @Test func badJobIDsAndUnknownJobsAreNamed() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let bad = try scorpio.run(["mount", "../escape"])
            #expect(bad.status == 2)
            #expect(bad.standardError.contains("invalid job id '../escape'"))
            let unknown = try scorpio.run(["umount", "no-such-job"])
            #expect(unknown.status == 1)
            #expect(unknown.standardError.contains("no job no-such-job"))
        }
    }
}
