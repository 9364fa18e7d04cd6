import ScorpioKit
import ScorpioTestSupport
import Testing

@Suite("scorpio: help, version, usage errors")
struct CLIBasicsTests {
    @Test func versionPrintsTheLibraryVersion() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["--version"])
            #expect(run.status == 0)
            #expect(run.standardOutput == Scorpio.version + "\n")
        }
    }

    /// The C libraries Scorpio links from their static archives (Package.swift, Sources/CGit2) and the
    /// Kerberos and TLS ones whose only user, libgit2's network transports, is stubbed: each would be one
    /// more shared library to load and relocate at every command's start.
    @Test func theExecutableLoadsNoLibraryItLinksFromAnArchive() throws {
        let executable = try ScorpioProcess.locate()
        let dynamic = shell("readelf -d '\(executable.string)'")
        #expect(dynamic.status == 0, "readelf: \(dynamic.output)")
        let needed = dynamic.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libc.so") }, "readelf listed no libraries: \(dynamic.output)")
        for library in ["libgit2", "libfuse3", "libseccomp", "libarchive", "libacl", "libzstd", "libmbedtls",
                        "libmbedx509", "libmbedcrypto", "libgssapi_krb5", "libkrb5", "libssh2", "libcrypto"] {
            #expect(!needed.contains { $0.contains("[\(library).so") }, "\(library) is a shared library of scorpio")
        }
    }

    @Test func helpTeachesWithExamples() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["--help"])
            #expect(run.status == 0)
            for phrase in ["Examples:", "scorpio doctor", "scorpio config init", "--config-path", "--upper-root",
                           "--log-level", "Exit status: 0 success", "SCORPIO_<KEY>"] {
                #expect(run.standardOutput.contains(phrase), "help lacks \(phrase)")
            }
        }
    }

    @Test func subcommandHelp() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["config", "init", "--help"])
            #expect(run.status == 0)
            #expect(run.standardOutput.contains("--force"))
        }
    }

    @Test func onlyTheCommandsThatMakeAJobOfferAChangeList() throws {
        try withSandbox { scorpio, _ in
            for command in [["mount"], ["run"]] {
                let help = try scorpio.run(command + ["--help"])
                #expect(help.standardOutput.contains("--cl <cl>"), "\(command) --help lacks --cl")
            }
            for command in [["serve"], ["base", "mount"], ["diff"], ["export"]] {
                let help = try scorpio.run(command + ["--help"])
                #expect(help.status == 0)
                #expect(!help.standardOutput.contains("--cl <cl>"), "\(command) --help offers --cl")
            }
            // The daemon's clients choose the path of each mount.
            #expect(!(try scorpio.run(["serve", "--help"])).standardOutput.contains("--path <subdir>"))
        }
    }

    @Test func usageErrorExitsTwoWithScorpioPrefix() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["config", "show", "--no-such-flag"])
            #expect(run.status == 2)
            #expect(run.standardError.hasPrefix("scorpio: Unknown option '--no-such-flag'"), "\(run.standardError)")
            #expect(run.standardOutput.isEmpty)
        }
    }

    @Test func unknownSubcommandIsAUsageError() throws {
        try withSandbox { scorpio, _ in
            let run = try scorpio.run(["frobnicate"])
            #expect(run.status == 2)
            #expect(run.standardError.hasPrefix("scorpio: "))
        }
    }
}
