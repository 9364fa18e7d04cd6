import AntaresDaemon
import Foundation
import ScorpioKit
import ScorpioTestSupport
import Testing

@Suite("what the daemon refuses", .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct RequestValidationTests {
    @Test func badInputGetsAJSONErrorNamingIt() async throws {
        try await DaemonFixture.withDaemon(bodyLimit: 1024) { daemon in
            let cases: [(body: String, status: Int, code: String, mentions: String)] = [
                (#"{"job_id":"x","path":"#, 400, "BAD_PAYLOAD", "not valid JSON"),
                ("[1,2]", 400, "BAD_PAYLOAD", "the body"),
                (#"{"job_id":"x"}"#, 400, "BAD_PAYLOAD", "missing field 'path'"),
                (#"{"job_id":7,"path":"/"}"#, 400, "BAD_PAYLOAD", "field 'job_id' should be a string"),
                (#"{"job_id":"../escape","path":"/"}"#, 400, "INVALID_REQUEST", "invalid job id '../escape'"),
                (#"{"job_id":"a b","path":"/"}"#, 400, "INVALID_REQUEST", "white space"),
                (#"{"job_id":"ok","path":""}"#, 400, "INVALID_REQUEST", "path is empty"),
                (#"{"job_id":"ok","path":"/src/../.."}"#, 400, "INVALID_REQUEST", "'..'"),
                (#"{"job_id":"ok","path":"/","cl":""}"#, 400, "INVALID_REQUEST", "cl is empty"),
                (#"{"job_id":"ok","path":"/","cl":"999"}"#, 400, "INVALID_REQUEST", "999"),
                (#"{"job_id":"ok","path":"/no/such/dir"}"#, 400, "INVALID_REQUEST", "no/such/dir"),
                (#"{"job_id":"ok","path":"/run.sh"}"#, 400, "INVALID_REQUEST", "run.sh"),
                (#"{"job_id":"ok","path":"/","user":"nobody"}"#, 400, "INVALID_REQUEST", "user 'nobody' is not UID:GID"),
                ("", 400, "BAD_PAYLOAD", "empty"),
            ]
            for test in cases {
                let answer = try await daemon.send("POST", "/mounts", body: test.body)
                #expect(answer.status == test.status, "\(test.body): \(answer.text)")
                #expect(answer.code == test.code, "\(test.body): \(answer.text)")
                #expect((answer.json["error"] as? String)?.contains(test.mentions) == true, "\(test.body): \(answer.text)")
                #expect(answer.headers["content-type"] == "application/json")
            }
            let oversized = try await daemon.send("POST", "/mounts", body: #"{"path":"/","cl":"\#(String(repeating: "9", count: 4096))"}"#)
            #expect(oversized.status == 413)
            #expect(oversized.code == "BAD_PAYLOAD")
            #expect((oversized.json["error"] as? String)?.contains("1024 bytes") == true, "\(oversized.text)")
            #expect(daemon.mounts.isEmpty, "nothing was mounted by bad requests")
        }
    }

    @Test func unknownAndMalformedIdsAreNamed() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let unknown = UUID().uuidString.lowercased()
            for (method, path) in [("GET", "/mounts/\(unknown)"), ("GET", "/mounts/\(unknown)/ready"), ("DELETE", "/mounts/\(unknown)"),
                                   ("GET", "/mounts/\(unknown)/diff"), ("GET", "/mounts/\(unknown)/artifact"),
                                   ("DELETE", "/mounts/\(unknown)/cl")] {
                let answer = try await daemon.send(method, path)
                #expect(answer.status == 404 && answer.code == "NOT_FOUND", "\(method) \(path): \(answer.text)")
                #expect(answer.text.contains(unknown))
            }
            let noJob = try await daemon.send("GET", "/mounts/by-job/nobody")
            #expect(noJob.status == 404 && noJob.text.contains("nobody"))
            let notUUID = try await daemon.send("GET", "/mounts/not-a-uuid")
            #expect(notUUID.status == 400 && notUUID.code == "INVALID_REQUEST" && notUUID.text.contains("not-a-uuid"))
            let badJob = try await daemon.send("DELETE", "/mounts/by-job/.hidden")
            #expect(badJob.status == 400 && badJob.text.contains("starts with a dot"))
            let noRoute = try await daemon.send("GET", "/nowhere")
            #expect(noRoute.status == 404 && noRoute.code == "NOT_FOUND")
            let badCompression = try await daemon.send("GET", "/mounts/\(unknown)/artifact?compression=lzma")
            #expect(badCompression.status == 400 && badCompression.text.contains("lzma"))
        }
    }

    @Test func metricsCountRequestsErrorsAndMounts() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let created = try await daemon.mount(#"{"job_id":"counted","path":"/"}"#)
            #expect(shell("cat '\(created.mountpoint)/src/main.c'").status == 0)
            _ = try await daemon.send("GET", "/mounts/by-job/absent")
            let metrics = try await daemon.send("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = Set(metrics.text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"scorpio_mounts{state="Ready"} 1"#))
            #expect(lines.contains(#"scorpio_http_requests_total{method="POST",route="/mounts",status="200"} 1"#), "\(metrics.text)")
            #expect(lines.contains(#"scorpio_http_errors_total{code="NOT_FOUND"} 1"#))
            #expect(lines.contains("# TYPE scorpio_fuse_requests_total counter"))
            #expect(lines.contains { $0.hasPrefix(#"scorpio_fuse_requests_total{operation="lookup"} "#) })
            let readBytes = lines.first { $0.hasPrefix("scorpio_fuse_read_bytes_total ") }.flatMap { Int($0.split(separator: " ")[1]) }
            #expect((readBytes ?? 0) >= "changed\n".utf8.count)
            #expect(try await daemon.send("DELETE", "/mounts/\(created.mountID)").status == 200)
        }
    }
}
