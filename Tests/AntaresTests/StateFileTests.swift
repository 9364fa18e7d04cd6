@testable import Antares
import Dicfuse
import Foundation
import Glibc
import ScorpioTestSupport
import Synchronization
import SystemPackage
import Testing

/// A save writes each unchanged record's text as it last read or wrote it: what it writes must still be
/// exactly the text of the records it was given, whatever moved, changed or went, and whatever another
/// process wrote in between.
@Suite struct StateFileTests {
    private static func record(_ name: String, _ state: MountLifecycle = .ready) -> MountRecord {
        MountRecord(
            mountID: "id-\(name)", jobID: JobID(rawValue: name)!, spec: JobSpec(path: "src/\(name)"), mountpoint: "/m/\(name)",
            upper: "/u/\(name)", changeList: nil, driver: "kernel", base: "git /srv/mono.git/@0123", state: state,
            pid: 42, createdAtEpochMilliseconds: 1, lastSeenEpochMilliseconds: 2)
    }

    /// The file's text and what a process that never saw it before reads from it.
    private static func written(_ path: FilePath) throws -> (text: String, records: [MountRecord]) {
        (try String(contentsOfFile: path.string, encoding: .utf8), try StateFile(path: path).read())
    }

    private static func text(of records: [MountRecord]) -> String {
        records.map(StateFileText.text(of:)).joined(separator: "\n")
    }

    @Test func eachSaveWritesExactlyItsRecordsWhatMovedChangedOrWent() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let file = StateFile(path: path)
            let changes: [(String, (inout [MountRecord]) -> Void)] = [
                ("five records", { $0 = ["a", "b", "c", "d", "e"].map { Self.record($0) } }),
                ("one in the middle changes", { $0[2].state = .failed(reason: "busy") }),
                ("one moves to the end", { let moved = $0.remove(at: 1); $0.append(moved) }),
                ("the first and one further on go", { $0.removeAll { ["a", "d"].contains($0.jobID.rawValue) } }),
                ("a new one comes first", { $0.insert(Self.record("f"), at: 0) }),
                ("nothing changes", { _ in }),
                ("the order is reversed", { $0.reverse() }),
                ("all go", { $0 = [] }),
                ("one comes back", { $0 = [Self.record("a", .unmounted)] }),
            ]
            var expected: [MountRecord] = []
            for (what, change) in changes {
                change(&expected)
                try file.update { (records: inout [MountRecord]) throws(ManagerError) in change(&records) }
                let (text, records) = try Self.written(path)
                #expect(text == Self.text(of: expected), "\(what)")
                #expect(records == expected, "\(what)")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: directory.string).sorted()
            #expect(left == ["state.toml", "state.toml.lock", "state.toml.next"], "no temporary file is left, only the spare")
        }
    }

    /// A read waits for a save in progress: the save writes over the spare, the file a reader that
    /// opened it two saves back may still hold.
    @Test func aReadWaitsForASaveInProgress() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let file = StateFile(path: path)
            try file.update { $0 = [Self.record("a")] }
            let saving = open(path.string + ".lock", O_RDWR | O_CLOEXEC)
            #expect(saving >= 0 && flock(saving, LOCK_EX) == 0)
            let done = Mutex<[MountRecord]?>(nil)
            let reader = Thread {
                let records = try? StateFile(path: path).read()
                done.withLock { $0 = records }
            }
            reader.start()
            usleep(200_000)
            #expect(done.withLock { $0 } == nil, "the read went on while a save held the lock")
            close(saving)
            let deadline = ContinuousClock.now + .seconds(10)
            while done.withLock({ $0 }) == nil && ContinuousClock.now < deadline { usleep(1000) }
            #expect(done.withLock { $0 } == [Self.record("a")])
        }
    }

    /// Saves take turns between two files: none makes an inode or deletes one (each costs on a
    /// journal-less ext4 after many deletions), and a longer text written over the spare's, then a
    /// shorter one, leaves nothing of the longer behind.
    @Test func savesReuseTheFileAndItsSpare() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let file = StateFile(path: path)
            func inodes() throws -> Set<UInt64> {
                Set(try ["state.toml", "state.toml.next"].map { name in
                    (try FileManager.default.attributesOfItem(atPath: directory.appending(name).string)[.systemFileNumber] as! NSNumber).uint64Value
                })
            }
            try file.update { $0 = ["a", "b", "c"].map { Self.record($0) } }
            try file.update { $0 = ["a", "b", "c", "d"].map { Self.record($0) } }
            let pair = try inodes()
            #expect(pair.count == 2)
            for names in [["a"], ["a", "b", "c", "d", "e"], [], ["b"]] {
                try file.update { $0 = names.map { Self.record($0) } }
                #expect(try inodes() == pair, "after saving \(names)")
                let (text, records) = try Self.written(path)
                #expect(text == Self.text(of: names.map { Self.record($0) }))
                #expect(records == names.map { Self.record($0) })
            }
        }
    }

    @Test func whatAnotherProcessWroteIsKeptBySaves() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let file = StateFile(path: path)
            try file.update { (records: inout [MountRecord]) throws(ManagerError) in records = [Self.record("a"), Self.record("b")] }
            // Another process changes b's record in place, with this process's last text of it cached.
            let edited = try String(contentsOfFile: path.string, encoding: .utf8)
                .replacingOccurrences(of: "mountpoint = \"/m/b\"", with: "mountpoint = \"/elsewhere\"")
            try edited.write(toFile: path.string, atomically: true, encoding: .utf8)
            try file.update { (records: inout [MountRecord]) throws(ManagerError) in records.append(Self.record("c")) }
            var expected = [Self.record("a"), Self.record("b"), Self.record("c")]
            expected[1].mountpoint = "/elsewhere"
            let (text, records) = try Self.written(path)
            #expect(records == expected)
            #expect(text == Self.text(of: expected))
        }
    }

    /// A file laid out by another writer (an earlier Scorpio's TOML encoder) is written in Scorpio's
    /// layout at the first save, its records unchanged.
    @Test func aFileInAnotherLayoutIsRewrittenInOursAtTheFirstSave() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let foreign = """
                [[mounts]]
                base = 'git /srv/mono.git/@0123'
                created_at_epoch_ms = 1
                driver = 'kernel'
                job_id = 'a'
                last_seen_epoch_ms = 2
                mount_id = 'id-a'
                mountpoint = '/m/a'
                pid = 42
                upper = '/u/a'

                [mounts.spec]
                path = 'src/a'

                [mounts.state]
                state = 'Ready'
                """
            try foreign.write(toFile: path.string, atomically: true, encoding: .utf8)
            let file = StateFile(path: path)
            #expect(try file.read() == [Self.record("a")])
            try file.update { (records: inout [MountRecord]) throws(ManagerError) in records.append(Self.record("b")) }
            let (text, records) = try Self.written(path)
            #expect(records == [Self.record("a"), Self.record("b")])
            #expect(text == Self.text(of: records))
        }
    }

    @Test func aMissingStateFileHoldsNoRecordsAndAnUnreadableOneIsAnErrorNamingIt() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let none = try StateFile(path: path).read()
            #expect(none == [])
            #expect(mkdir(path.string, 0o755) == 0)
            do throws(ManagerError) {
                _ = try StateFile(path: path).read()
                Issue.record("a directory was read as a state file")
            } catch {
                #expect(error.description == "state file \(path): cannot be read: Is a directory")
            }
        }
    }

    /// A process killed between the exchange and the unlink leaves its temporary file; the next one to
    /// look removes it under the file's lock, even when another process has the pid it names now.
    @Test func temporariesLeftBySavesAreRemoved() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appending("state.toml")
            let file = StateFile(path: path)
            try file.update { $0 = [Self.record("a")] }
            let limit = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let ended = directory.appending("state.toml.tmp-\(Int(limit)! + 1)")  // above pid_max: no process has it
            let reused = directory.appending("state.toml.tmp-1")  // a pid some live process has
            let other = directory.appending("other.toml.tmp-\(Int(limit)! + 1)")
            for leftover in [ended, reused, other] { #expect(FileManager.default.createFile(atPath: leftover.string, contents: Data("x".utf8))) }
            try file.update { _ in file.removeLeftoverTemporaries() }
            #expect(!FileManager.default.fileExists(atPath: ended.string), "an ended process's temporary goes")
            #expect(!FileManager.default.fileExists(atPath: reused.string), "so does one whose pid a live process has now")
            #expect(FileManager.default.fileExists(atPath: other.string), "another file's stays")
            #expect(try StateFile(path: path).read() == [Self.record("a")])
        }
    }
}
