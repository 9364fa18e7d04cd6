import AntaresDaemon
import Foundation
import ScorpioKit
import ScorpioTestSupport
import Testing

@Suite("the daemon on a Unix socket", .enabled(if: FuseHost.canMount && shell("command -v curl").status == 0, "needs root, /dev/fuse and curl"))
struct UnixSocketTests {
    @Test func servesTheAPIOnTheSocketAndRemovesItAtTheEnd() async throws {
        var socketPath = ""
        try await DaemonFixture.withDaemon(host: nil) { daemon in
            socketPath = daemon.socket.string
            let curl = "curl -s --unix-socket '\(daemon.socket)'"
            // curl waits for the daemon in this process: it runs off Swift's cooperative pool.
            #expect(await shellOnItsOwnThread("\(curl) http://localhost/health").output.contains(#""status":"healthy""#))
            let created = await shellOnItsOwnThread(#"\#(curl) -X POST -d '{"job_id":"on-socket","path":"/src"}' http://localhost/antares/mounts"#)
            #expect(created.output.contains(#""mountpoint":"\#(daemon.scratch.path)/antares/mnt/on-socket""#), "\(created.output)")
            #expect(daemon.mounts.count == 1)
            let deleted = await shellOnItsOwnThread("\(curl) -X DELETE http://localhost/mounts/by-job/on-socket")
            #expect(deleted.output.contains(#""state":"Unmounted""#), "\(deleted.output)")
        }
        #expect(!FileManager.default.fileExists(atPath: socketPath))
    }
}
