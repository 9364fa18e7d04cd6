@testable import Antares
import Glibc
import Testing

/// A child process of the test, running `/bin/sleep 60` until it is ended.
final class SleepingChild {
    let pid: pid_t

    init() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ)
        try #require(status == 0, "sleep starts")
        self.pid = pid
    }

    /// Ends it; `reap` false leaves it a zombie until `deinit`.
    func end(reap: Bool = true) {
        kill(pid, SIGKILL)
        if reap { waitpid(pid, nil, 0) } else { waitid(P_PID, id_t(pid), nil, WEXITED | WNOWAIT) }
    }

    deinit {
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
    }
}

@Suite struct ProcessLivenessTests {
    @Test func thisProcessIsAliveByItsStart() throws {
        let start = try #require(ProcessStart.ofThisProcess())
        #expect(start.bootID == HostBoot.id && start.bootID.count == 36, "the boot is the kernel's boot id")
        #expect(ProcessStart(start.description) == start, "its text reads back")
        #expect(ProcessLiveness.isAlive(getpid(), started: start))
    }

    /// A pid given to another process after the recorded one ended: the other started later (or in
    /// another boot), so it is not taken for the recorded server.
    @Test func anotherProcessWithTheRecordedPidIsNotTheRecordedServer() throws {
        let child = try SleepingChild()
        let start = try #require(ProcessStart.of(child.pid))
        let stat = try #require(ProcessStat(child.pid))
        #expect(start.ticks == stat.startTicks && start.bootID == HostBoot.id)
        #expect(ProcessLiveness.isAlive(child.pid, started: start), "the process that has the pid and started then")
        #expect(ProcessLiveness.isAlive(child.pid), "a record without its start takes the pid's word, as before")
        #expect(!ProcessLiveness.isAlive(child.pid, started: ProcessStart(bootID: HostBoot.id, ticks: stat.startTicks - 1)))
        #expect(!ProcessLiveness.isAlive(child.pid, started: ProcessStart(bootID: "00000000-0000-0000-0000-000000000000", ticks: stat.startTicks)))
        child.end(reap: false)
        #expect(!ProcessLiveness.isAlive(child.pid, started: start), "a zombie serves nothing")
        #expect(!ProcessLiveness.isAlive(child.pid), "nor does it without a start")
    }

    /// A process whose first thread has ended while another still runs shows as a zombie: it serves
    /// nothing, but it is still there, holding its files, until its last thread ends.
    @Test func aProcessWhoseFirstThreadEndedIsStillThereUntilItsLastDoes() throws {
        var pid: pid_t = 0
        let script = "import threading, time, ctypes; threading.Thread(target=time.sleep, args=(60,)).start(); ctypes.CDLL(None).pthread_exit(None)"
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("python3"), strdup("-c"), strdup(script), nil]
        defer { argv.forEach { free($0) } }
        try #require(posix_spawnp(&pid, "python3", nil, nil, argv, environ) == 0, "python3 starts")
        var reaped = false
        defer { if !reaped { kill(pid, SIGKILL); waitpid(pid, nil, 0) } }
        let start = try #require(ProcessStart.of(pid))
        var firstThreadEnded = false
        for _ in 0..<500 where !firstThreadEnded {
            firstThreadEnded = ProcessStat(pid)?.state == UInt8(ascii: "Z")
            if !firstThreadEnded { usleep(10_000) }
        }
        try #require(firstThreadEnded, "the first thread ends, the other sleeps on")
        #expect(!ProcessLiveness.isAlive(pid, started: start))
        #expect(ProcessLiveness.isStillThere(pid, started: start))
        #expect(!ProcessLiveness.isStillThere(pid, started: ProcessStart(bootID: HostBoot.id, ticks: start.ticks - 1)))
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
        reaped = true
        #expect(!ProcessLiveness.isStillThere(pid, started: start), "reaped, it is gone")
    }

    /// The command's name may hold spaces and parentheses: the fields are counted from its last `)`.
    @Test func theStatLineIsReadAfterTheCommandsName() throws {
        let line = "4242 (a ) b) S 1 4242 4242 0 -1 4194560 90 0 0 0 0 0 0 0 20 0 1 0 987654321 2260992 190 18446744073709551615"
        let stat = try #require(ProcessStat(line: Array(line.utf8)))
        #expect(stat.state == UInt8(ascii: "S") && stat.startTicks == 987_654_321)
        #expect(ProcessStat(line: Array("4242 (sleep) S 1 4242".utf8)) == nil, "a short line is not read")
        #expect(ProcessStart("no-slash") == nil && ProcessStart("boot/x") == nil)
    }

    @Test func theProcessorFieldOfAStatLineIsRead() {
        // A name with spaces and a parenthesis; `processor` is field 39 of the line.
        let fields = (3...52).map { $0 == 39 ? "1" : $0 == 3 ? "S" : "0" }
        let line = "4242 (odd) name) " + fields.joined(separator: " ") + "\n"
        #expect(ProcessStat(line: Array(line.utf8))?.processor == 1)
        #expect(ProcessStat(line: Array("4242 (x) S 1 2\n".utf8))?.processor == nil)
        #expect(ProcessStat(line: [])?.processor == nil)
    }
}
