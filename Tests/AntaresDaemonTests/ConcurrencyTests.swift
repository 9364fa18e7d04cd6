import AntaresDaemon
import Foundation
import ScorpioKit
import ScorpioTestSupport
import Testing

@Suite("the daemon under concurrent requests", .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct ConcurrencyTests {
    /// 50 requests at once, in no set order: three creates and two deletes of each of 10 jobs. Whatever
    /// each answered, every job's recorded state must match the kernel's mount table, and each answer
    /// must be one the API allows (a delete may come before any create of its job: 404).
    @Test func fiftyConcurrentCreatesAndDeletesLeaveTheStateFileTrue() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let answers = try await withThrowingTaskGroup(of: (String, HTTPAnswer).self) { group in
                for index in 0..<50 {
                    let job = "job-\(index % 10)"
                    group.addTask {
                        if (index / 10) % 2 == 1 {
                            return ("DELETE \(job)", try await daemon.send("DELETE", "/mounts/by-job/\(job)"))
                        }
                        return ("POST \(job)", try await daemon.send("POST", "/mounts", body: #"{"job_id":"\#(job)","path":"/"}"#))
                    }
                }
                var collected: [(String, HTTPAnswer)] = []
                for try await answer in group { collected.append(answer) }
                return collected
            }
            #expect(answers.count == 50)
            for (request, answer) in answers {
                let expected = request.hasPrefix("POST") ? [200] : [200, 404]
                #expect(expected.contains(answer.status), "\(request): \(answer.status) \(answer.text)")
            }

            let mounted = Set(daemon.mounts)
            let records = try daemon.service.manager.list()
            #expect(Set(records.map(\.jobID.rawValue)) == Set((0..<10).map { "job-\($0)" }))
            for record in records {
                switch record.state {
                case .ready: #expect(mounted.contains(record.mountpoint), "\(record.jobID) is Ready but not mounted")
                case .unmounted: #expect(!mounted.contains(record.mountpoint), "\(record.jobID) is Unmounted but mounted")
                default: Issue.record("\(record.jobID) was left \(record.state)")
                }
            }
            #expect(mounted.count == records.filter { $0.state == .ready }.count)

            try await withThrowingTaskGroup(of: HTTPAnswer.self) { group in
                for index in 0..<10 { group.addTask { try await daemon.send("DELETE", "/mounts/by-job/job-\(index)") } }
                for try await answer in group { #expect(answer.status == 200, "\(answer.text)") }
            }
            #expect(daemon.mounts.isEmpty)
            #expect(try daemon.service.manager.list().allSatisfy { $0.state == .unmounted })
        }
    }

    /// Requests for one build id at once all get the same mount.
    @Test func concurrentRequestsOfOneBuildShareOneMount() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await daemon.mount(#"{"build_id":"ci-run-5","path":"/"}"#).mountID }
                }
                var ids: Set<String> = []
                for try await id in group { ids.insert(id) }
                return ids
            }
            #expect(ids.count == 1)
            #expect(daemon.mounts.count == 1)
            #expect(try await daemon.send("DELETE", "/mounts/\(try #require(ids.first))").status == 200)
        }
    }
}
