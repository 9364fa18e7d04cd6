@testable import Antares
import Dicfuse
import Foundation
import ScorpioTestSupport
import Testing

@Suite struct StateFileTextTests {
    private static let everyField = MountRecord(
        mountID: "3020a548-3fbf-4844-9a74-4c870ee1a80f", jobID: JobID(rawValue: "run-0193c5f2a1b27e4c")!,
        spec: JobSpec(path: "src/lib", cl: "456", repository: "/srv/mono.git", revision: "v1.2", owner: FileOwner(uid: 1000, gid: 100)),
        mountpoint: "/var/lib/scorpio/mnt/run-0193c5f2a1b27e4c", upper: "/var/lib/scorpio/upper/run-0193c5f2a1b27e4c",
        changeList: "/var/lib/scorpio/cl/run-0193c5f2a1b27e4c", driver: "kernel", base: "git /srv/mono.git/@7f48122277ec84f81aa8b71526c4a88f8983ddf1",
        state: .failed(reason: "umount: target is busy \"quoted\", C:\\path\n\tnext line \u{1}\u{7F} é ✓"),
        pid: 2_147_483_647, server: .run, serverStart: ProcessStart(bootID: "6d1c6f53-2c0b-4f55-a7b8-5b2f4e0c9a11", ticks: 18_446_744_073_709_551_615),
        createdAtEpochMilliseconds: 1_796_122_968_305, lastSeenEpochMilliseconds: -1)

    private static let fewestFields = MountRecord(
        mountID: "0000", jobID: JobID(rawValue: "t1")!, spec: JobSpec(), mountpoint: "/m p/'it''s'", upper: "/u", changeList: nil,
        driver: "fuse", base: "dir /srv/tree", state: .unmounted, pid: 1, createdAtEpochMilliseconds: 0, lastSeenEpochMilliseconds: 0)

    @Test func everyFieldAndEveryStateReadBackAsWritten() throws {
        let records = Self.everyState
        let text = records.map(StateFileText.text(of:)).joined(separator: "\n")
        #expect(try StateFileText.records(in: text) == records)
        #expect(try StateFileText.records(in: "") == [], "an empty file has no records")
    }

    private static var everyState: [MountRecord] {
        var records = [everyField, fewestFields]
        for (index, state) in [MountLifecycle.provisioning, .mounted, .ready, .quiescing, .unmounting, .failed(reason: "")].enumerated() {
            var record = fewestFields
            record.mountID = "state-\(index)"
            record.state = state
            records.append(record)
        }
        for server in JobServer.allCases {
            var record = fewestFields
            record.mountID = "server-\(server)"
            record.server = server
            records.append(record)
        }
        return records
    }

    /// Scorpio's own layout is read line by line, each record with its own text; TOMLKit reads the same
    /// records from the same TOML once the line reader gives up on it (a comment).
    @Test func theLineReaderAndTOMLKitReadTheSameRecords() throws {
        let texts = Self.everyState.map(StateFileText.text(of:))
        let document = texts.joined(separator: "\n")
        let scanned = try #require(StateFileScanner.records(in: document), "Scorpio's own layout is read line by line")
        #expect(scanned.map(\.text) == texts, "each record comes with its own text")
        let parsed = try StateFileText.parse(document)
        #expect(parsed.map(\.record) == Self.everyState)

        let commented = "# written by hand\n" + document
        #expect(StateFileScanner.records(in: commented) == nil)
        let general = try StateFileText.parse(commented)
        #expect(general.map(\.record) == Self.everyState, "TOMLKit reads the same records")
        #expect(general.allSatisfy { $0.text == nil }, "texts only come from the line reader")
    }

    /// TOML the line reader does not take on is left to TOMLKit, which reads it or says what is wrong.
    @Test(arguments: [
        ("mount_id = \"0000\"", "mount_id = '0000'", true),
        ("pid = 1", "pid = 0x1", true),
        ("pid = 1", "pid = +1", true),
        ("pid = 1", "pid=1", true),
        ("pid = 1", "pid = 1 # the server", true),
        ("upper = \"/u\"", "upper = \"/u\"\r", true),
        ("created_at_epoch_ms = 0", "created_at_epoch_ms = 0_0", false),
        ("created_at_epoch_ms = 0", "created_at_epoch_ms = 00", false),
        ("upper = \"/u\"", "upper = \"\\u+02F\"", false),
        ("upper = \"/u\"", "upper = \"/u\"x", false),
        ("pid = 1", "pid = 1\npid = 2", false),
        ("[mounts.state]", "[mounts.state]\n[mounts.state]", false),
        ("pid = 1", "pid = 1\nspec = \"x\"", false),
        ("pid = 1", "pid = 1\nstate = 2", false),
    ])
    func otherTOMLIsLeftToTOMLKit(replacing: String, with replacement: String, readable: Bool) throws {
        let text = StateFileText.text(of: Self.fewestFields).replacingOccurrences(of: replacing, with: replacement)
        try #require(text != StateFileText.text(of: Self.fewestFields))
        #expect(StateFileScanner.records(in: text) == nil, "the line reader gives up on \(replacement)")
        if readable {
            #expect(try StateFileText.records(in: text) == [Self.fewestFields])
        } else {
            #expect(throws: StateFileProblem.self) { try StateFileText.records(in: text) }
        }
    }

    /// Python's `tomllib` is a TOML parser of its own: what it reads from the text is what was written.
    @Test func anotherTOMLParserReadsTheSameValues() throws {
        let scratch = try Scratch()
        let file = scratch.path.appending("state.toml")
        try StateFileText.text(of: Self.everyField).write(toFile: file.string, atomically: true, encoding: .utf8)
        let read = shell("""
            python3 -c 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb")), sort_keys=True))' '\(file)'
            """)
        try #require(read.status == 0, "python3 parses the text")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(read.output.utf8)) as? [String: [[String: Any]]])
        let mount = try #require(parsed["mounts"]?.first)
        #expect(mount["mount_id"] as? String == Self.everyField.mountID)
        #expect(mount["pid"] as? Int == 2_147_483_647)
        #expect(mount["last_seen_epoch_ms"] as? Int == -1)
        #expect(mount["pid_start"] as? String == "6d1c6f53-2c0b-4f55-a7b8-5b2f4e0c9a11/18446744073709551615")
        #expect((mount["spec"] as? [String: String])?["owner"] == "1000:100")
        #expect((mount["state"] as? [String: String])?["reason"] == "umount: target is busy \"quoted\", C:\\path\n\tnext line \u{1}\u{7F} é ✓")
    }

    /// A state file written before this codec (TOMLKit's encoder: literal strings, keys sorted) is read
    /// by a newer Scorpio whose jobs share it.
    @Test func theEarlierEncodersTextIsRead() throws {
        let text = """
            [[mounts]]
            base = 'git /work/bench/linux.git/@7f48122277ec84f81aa8b71526c4a88f8983ddf1'
            cl_dir = '/tmp/rt/cl/t2'
            created_at_epoch_ms = 1796122968305
            driver = 'fuse'
            job_id = 't2'
            last_seen_epoch_ms = 1796122968387
            mount_id = '9abc24c4-01e6-43cf-8563-1e677c10678b'
            mountpoint = '/tmp/rt/m2'
            pid = 606
            upper = '/tmp/rt/upper/t2'

            [mounts.spec]
            cl = '7'
            owner = '1000:1000'
            path = ''
            repository = '/work/bench/linux.git'

            [mounts.state]
            reason = "server 606 is gone"
            state = 'Failed'
            """
        let expected = MountRecord(
            mountID: "9abc24c4-01e6-43cf-8563-1e677c10678b", jobID: JobID(rawValue: "t2")!,
            spec: JobSpec(path: "", cl: "7", repository: "/work/bench/linux.git", owner: FileOwner(uid: 1000, gid: 1000)),
            mountpoint: "/tmp/rt/m2", upper: "/tmp/rt/upper/t2", changeList: "/tmp/rt/cl/t2", driver: "fuse",
            base: "git /work/bench/linux.git/@7f48122277ec84f81aa8b71526c4a88f8983ddf1", state: .failed(reason: "server 606 is gone"),
            pid: 606, createdAtEpochMilliseconds: 1_796_122_968_305, lastSeenEpochMilliseconds: 1_796_122_968_387)
        #expect(try StateFileText.records(in: text) == [expected])
    }

    @Test(arguments: [
        ("pid = 1\n", "pid = \"1\"\n", "mounts[1].pid is not an integer"),
        ("pid = 1\n", "", "mounts[1].pid is missing"),
        ("pid = 1\n", "pid = 4294967296\n", "mounts[1].pid is out of range: 4294967296"),
        ("pid = 1\n", "pid = 1\nserver = \"cron\"\n", "mounts[1].server is not a kind of server: cron"),
        ("pid = 1\n", "pid = 1\npid_start = \"41\"\n", "mounts[1].pid_start is not BOOT_ID/TICKS: 41"),
        ("pid = 1\n", "pid = 1\npid_start = \"b/-1\"\n", "mounts[1].pid_start is not BOOT_ID/TICKS: b/-1"),
        ("job_id = \"t1\"", "job_id = \"../t1\"", "mounts[1].job_id is not a job id: ../t1"),
        ("state = \"Unmounted\"", "state = \"Gone\"", "mounts[1].state.state is not a state: Gone"),
        ("path = \"\"", "owner = \"me\"", "mounts[1].spec.owner is not UID:GID: me"),
        ("[mounts.spec]\npath = \"\"", "", "mounts[1].spec is missing"),
    ])
    func aBrokenRecordIsNamedByItsPlaceAndKey(replacing: String, with replacement: String, problem: String) throws {
        let broken = StateFileText.text(of: Self.fewestFields).replacingOccurrences(of: replacing, with: replacement)
        let text = StateFileText.text(of: Self.everyField) + "\n" + broken
        #expect(throws: StateFileProblem.self) { try StateFileText.records(in: text) }
        do {
            _ = try StateFileText.records(in: text)
        } catch {
            #expect(error.description == problem)
        }
    }

    @Test func textThatIsNotTOMLIsRefusedSayingWhere() {
        #expect(throws: StateFileProblem.self) { try StateFileText.records(in: "[[mounts]]\nmount_id = \"unterminated\n") }
        #expect(throws: StateFileProblem.self) { try StateFileText.records(in: "mounts = 3\n") }
    }
}
