import Foundation
import ScorpioKit
import SystemPackage
import Testing
import ScorpioTestSupport

@Suite("scorpio doctor")
struct DoctorTests {
    /// Defaults with every directory Scorpio writes moved under `directory`.
    static func config(under directory: FilePath) -> ScorpioConfig {
        var config = ScorpioConfig()
        config.storePath = directory.appending("store")
        config.antares.upperRoot = directory.appending("antares/upper")
        config.antares.clRoot = directory.appending("antares/cl")
        config.antares.mountRoot = directory.appending("antares/mnt")
        config.antares.stateFile = directory.appending("antares/state.toml")
        return config
    }

    static func fuseDeviceFinding(for config: ScorpioConfig) -> DoctorFinding {
        Doctor(context: DoctorContext(config: config, isRoot: true)).examine().findings.first { $0.check == "fuse device" }!
    }

    static func finding(named name: String, in report: DoctorReport) -> DoctorFinding? {
        report.findings.first { $0.check == name }
    }

    @Test func missingFuseDeviceFailsNamesThePathAndSaysHowToFix() throws {
        try withTemporaryDirectory { directory in
            var config = Self.config(under: directory)
            config.fuseDevice = directory.appending("no-such-dir/fuse")
            let report = Doctor(context: DoctorContext(config: config, isRoot: true)).examine()

            let device = try #require(Self.finding(named: "fuse device", in: report))
            #expect(device.status == .failed)
            #expect(device.detail.contains(config.fuseDevice.string))
            let fix = try #require(device.fix)
            #expect(fix.contains("fuse_device"))
            #expect(fix.contains("/dev/fuse"))

            #expect(report.canRunJobs == false)
            #expect(report.verdict.hasPrefix("this host cannot run jobs"))
            #expect(report.verdict.contains("fuse device"))
            #expect(report.text.contains("✗ fuse device"))
            #expect(report.text.contains("fix: set fuse_device"))
        }
    }

    @Test func aRegularFileIsNotAFuseDevice() throws {
        try withTemporaryDirectory { directory in
            var config = Self.config(under: directory)
            config.fuseDevice = directory.appending("plain-file")
            try write("", to: config.fuseDevice)
            let finding = Self.fuseDeviceFinding(for: config)
            #expect(finding.status == .failed)
            #expect(finding.detail.contains("is a regular file, not a character device"))
        }
    }

    @Test func anotherCharacterDeviceIsNotFuse() {
        var config = ScorpioConfig()
        config.fuseDevice = "/dev/null"
        let finding = Self.fuseDeviceFinding(for: config)
        #expect(finding.status == .failed)
        #expect(finding.detail.contains("character device 1:3, not FUSE (10:229)"))
    }

    @Test func brokenConfigurationFailsTheConfigCheck() throws {
        let problem = ConfigError.invalidValue(key: "dicfuse_reply_ttl_secs", value: .string("abc"),
                                               source: .file("/x/scorpio.toml"), expectation: "expected a non-negative integer")
        let report = Doctor(context: DoctorContext(loading: .failure(problem), probeLauncher: nil)).examine()
        let finding = try #require(Self.finding(named: "config", in: report))
        #expect(finding.status == .failed)
        #expect(finding.detail.contains("dicfuse_reply_ttl_secs = \"abc\" (from /x/scorpio.toml)"))
        #expect(finding.fix?.contains("scorpio config validate") == true)
        #expect(report.canRunJobs == false)
    }

    @Test func fusermountIsRequiredWithoutRootAndOptionalAsRoot() throws {
        try withTemporaryDirectory { directory in
            let config = Self.config(under: directory)
            let asUser = Doctor(context: DoctorContext(config: config, isRoot: false, searchPath: directory.string)).examine()
            #expect(Self.finding(named: "fusermount3", in: asUser)?.status == .failed)
            let asRoot = Doctor(context: DoctorContext(config: config, isRoot: true, searchPath: directory.string)).examine()
            let finding = try #require(Self.finding(named: "fusermount3", in: asRoot))
            #expect(finding.status == .warning)
            #expect(finding.fix?.contains("fuse3") == true)
        }
    }

    @Test func directoryUnderAFileCannotBeCreated() throws {
        try withTemporaryDirectory { directory in
            var config = Self.config(under: directory)
            try write("", to: directory.appending("a-file"))
            config.storePath = directory.appending("a-file/store")
            let finding = try #require(Self.finding(named: "store", in: Doctor(context: DoctorContext(config: config)).examine()))
            #expect(finding.status == .failed)
            #expect(finding.detail.contains("a-file is a regular file, not a directory"))
            #expect(finding.fix?.contains("store_path") == true)
        }
    }

    @Test func probesWithoutAnExecutableAreWarningsNotFailures() throws {
        try withTemporaryDirectory { directory in
            let report = Doctor(context: DoctorContext(config: Self.config(under: directory), isRoot: true)).examine()
            for name in ["mount namespace", "user namespace", "seccomp"] {
                #expect(Self.finding(named: name, in: report)?.status == .warning, "\(name)")
            }
        }
    }

    @Test func jsonReportCarriesTheVerdict() throws {
        let report = DoctorReport(findings: [
            .passed("a", "fine"),
            .failed("b", "broken", fix: "mend it"),
        ])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(json["can_run_jobs"] as? Bool == false)
        let checks = try #require(json["checks"] as? [[String: Any]])
        #expect(checks.count == 2)
        #expect(checks[1]["status"] as? String == "failed")
        #expect(checks[1]["fix"] as? String == "mend it")
    }

    @Test func warningsDoNotStopJobs() {
        let report = DoctorReport(findings: [.passed("a", "fine"), .warning("b", "meh", fix: "maybe")])
        #expect(report.canRunJobs)
        #expect(report.verdict == "this host can run jobs (1 passed, 1 warning)")
        #expect(report.text.contains("! b"))
    }

    @Test("every check passes on this host", .enabled(if: TestHost.canRunPrivilegedChecks, "needs root and /dev/fuse"))
    func thisHostCanRunJobs() throws {
        let executable = try #require(TestHost.scorpioExecutable, "the scorpio binary should be built beside the tests")
        try withTemporaryDirectory { directory in
            let context = DoctorContext(config: Self.config(under: directory), probeLauncher: HostProbeLauncher(executable: executable))
            let report = Doctor(context: context).examine()
            #expect(report.canRunJobs, "\(report.text)")
            for name in ["fuse device", "kernel overlayfs", "fuse over io_uring", "mount namespace", "user namespace", "seccomp", "libfuse",
                         "libgit2", "libseccomp", "libarchive", "store", "upper root", "upper layer format"] {
                #expect(Self.finding(named: name, in: report)?.status == .passed, "\(name): \(report.text)")
            }
        }
    }
}
