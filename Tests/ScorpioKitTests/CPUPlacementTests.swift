import Foundation
import Glibc
@testable import ScorpioKit
import Testing

struct CPUPlacementTests {
    @Test func thisProcessRunsOnOneOfTheHostsCPUs() throws {
        let cpu = try #require(CPUPlacement.of(getpid()))
        #expect(cpu >= 0 && cpu < Int32(sysconf(Int32(_SC_NPROCESSORS_CONF))))
    }

    /// On a thread of its own: the move outlives the test on the thread it is made on.
    @Test(.enabled(if: allowedCPUs() > 1, "needs two CPUs to move between"))
    func aThreadThatLeavesItsCPURunsOnAnother() {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome: (left: Bool, before: Int32, after: Int32) = (false, -1, -1)
        Thread {
            let before = CPUPlacement.current
            let left = CPUPlacement.leave(before)
            outcome = (left, before, CPUPlacement.current)
            done.signal()
        }.start()
        done.wait()
        #expect(outcome.left)
        #expect(outcome.after != outcome.before, "it ran on \(outcome.before) and still does")
    }
}

private func allowedCPUs() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let list = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?.split(separator: "\t").last ?? ""
    return list.split(separator: ",").reduce(0) { count, range in
        let ends = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return count + (ends.count == 2 ? ends[1] - ends[0] + 1 : ends.count)
    }
}
