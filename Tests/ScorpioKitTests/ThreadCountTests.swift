import Foundation
@testable import ScorpioKit
import Testing

struct ThreadCountTests {
    @Test func theThreadsLineOfAStatusIsRead() {
        let status = "Name:\tscorpio\nUmask:\t0022\nState:\tS (sleeping)\nThreads:\t17\nSigQ:\t0/95000\n"
        #expect(ThreadCount.count(inStatus: Array(status.utf8)) == 17)
    }

    @Test func aStatusWithoutAThreadsLineHasNoCount() {
        #expect(ThreadCount.count(inStatus: Array("Name:\tThreads:\t3\nUmask:\t0022\n".utf8)) == nil)
        #expect(ThreadCount.count(inStatus: Array("Name:\tx\nThreads:\t\n".utf8)) == nil)
        #expect(ThreadCount.count(inStatus: []) == nil)
    }

    @Test func thisProcessCountsTheThreadItStarted() throws {
        let started = DispatchSemaphore(value: 0), finish = DispatchSemaphore(value: 0)
        Thread { started.signal(); finish.wait() }.start()
        started.wait()
        defer { finish.signal() }
        #expect(try #require(ThreadCount.current()) >= 2)
    }
}
