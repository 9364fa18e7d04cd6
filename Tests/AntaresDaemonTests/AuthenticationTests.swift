import AntaresDaemon
import Foundation
import ScorpioKit
import ScorpioTestSupport
import Testing

@Suite("the daemon's bearer token", .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct AuthenticationTests {
    @Test func beyondLoopbackEveryRouteButHealthNeedsTheToken() async throws {
        try await DaemonFixture.withDaemon(host: "0.0.0.0", token: "s3cret-token") { daemon in
            let missing = try await daemon.send("GET", "/mounts", authorized: false)
            #expect(missing.status == 401 && missing.code == "UNAUTHORIZED", "\(missing.text)")
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            for wrong in ["Bearer s3cret-toke", "Bearer s3cret-token2", "Basic s3cret-token", "Bearer "] {
                let answer = try await daemon.send("POST", "/mounts", body: #"{"job_id":"x","path":"/"}"#,
                                                   headers: ["Authorization": wrong], authorized: false)
                #expect(answer.status == 401 && answer.code == "UNAUTHORIZED", "\(wrong): \(answer.text)")
            }
            #expect(try await daemon.send("GET", "/antares/mounts", authorized: false).status == 401)
            #expect(try await daemon.send("GET", "/health", authorized: false).status == 200)
            #expect(try await daemon.send("GET", "/mounts").status == 200)
            #expect(daemon.mounts.isEmpty, "no unauthorised request mounted anything")
        }
    }

    @Test func refusesToListenBeyondLoopbackWithoutAToken() {
        #expect(throws: DaemonStartError.tokenRequired(.tcp(host: "0.0.0.0", port: 2726))) {
            try DaemonSettings(bind: .tcp(host: "0.0.0.0", port: 2726)).validate()
        }
        #expect(throws: Never.self) { try DaemonSettings(bind: .tcp(host: "127.0.0.1", port: 2726)).validate() }
        #expect(throws: Never.self) { try DaemonSettings(bind: .unixSocket("/run/scorpio.sock")).validate() }
        #expect(throws: Never.self) { try DaemonSettings(bind: .tcp(host: "0.0.0.0", port: 2726), token: "t").validate() }
    }
}
