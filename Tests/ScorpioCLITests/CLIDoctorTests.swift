import Foundation
import SystemPackage
import Testing

@Suite("scorpio doctor")
struct CLIDoctorTests {
    static var privileged: Bool { geteuid() == 0 && FileManager.default.fileExists(atPath: "/dev/fuse") }

    @Test func missingFuseDeviceFailsWithAFix() throws {
        try withSandbox { scorpio, directory in
            let device = directory.appending("missing/fuse")
            try write("fuse_device = \"\(device.string)\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["doctor"])
            #expect(run.status == 1)
            let lines = run.standardOutput.split(separator: "\n").map(String.init)
            let index = try #require(lines.firstIndex { $0.hasPrefix("✗ fuse device") }, "\(run.standardOutput)")
            #expect(lines[index].contains(device.string))
            #expect(lines[index + 1].trimmingCharacters(in: .whitespaces).hasPrefix("fix: "))
            #expect(lines.last?.hasPrefix("this host cannot run jobs") == true)
        }
    }

    @Test func jsonOutputCarriesTheVerdict() throws {
        try withSandbox { scorpio, directory in
            try write("fuse_device = \"/nonexistent/fuse\"\n" + sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["doctor", "--json"])
            #expect(run.status == 1)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [String: Any])
            #expect(document["can_run_jobs"] as? Bool == false)
            let checks = try #require(document["checks"] as? [[String: Any]])
            let device = try #require(checks.first { $0["check"] as? String == "fuse device" })
            #expect(device["status"] as? String == "failed")
            #expect((device["detail"] as? String)?.contains("/nonexistent/fuse") == true)
            #expect(device["fix"] is String)
        }
    }

    @Test func brokenConfigIsReportedAndTheOtherChecksStillRun() throws {
        try withSandbox { scorpio, directory in
            try write("union_driver = \"zfs\"\n", to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["doctor"])
            #expect(run.status == 1)
            #expect(run.standardOutput.contains("✗ config"))
            #expect(run.standardOutput.contains("union_driver = \"zfs\""))
            #expect(run.standardOutput.contains("libfuse"))
        }
    }

    @Test("this host can run jobs", .enabled(if: privileged, "needs root and /dev/fuse"))
    func passesOnThisHost() throws {
        try withSandbox { scorpio, directory in
            try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
            let run = try scorpio.run(["doctor"])
            #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
            #expect(!run.standardOutput.contains("✗"), "\(run.standardOutput)")
            #expect(run.standardOutput.contains("✓ user namespace"))
            #expect(run.standardOutput.contains("✓ seccomp"))
            #expect(run.standardOutput.contains("✓ kernel overlayfs"))
            #expect(run.standardOutput.split(separator: "\n").last?.hasPrefix("this host can run jobs") == true)
        }
    }
}
