import AntaresDaemon
import Foundation
import ScorpioKit
import ScorpioTestSupport
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("the daemon's mount lifecycle", .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct MountLifecycleTests {
    @Test func severalMountsAreCreatedDescribedChangedExportedAndDeleted() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let health = try await daemon.send("GET", "/health")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "healthy")

            // Create, and create again: the same mount.
            let first = try await daemon.mount(#"{"job_id":"build-1","path":"/"}"#)
            let again = try await daemon.mount(#"{"job_id":"build-1","path":"/"}"#)
            #expect(again == first)
            // Files in a mount are read by a child: a descriptor opened here could leak into a process
            // another test spawns meanwhile and keep the mount busy.
            #expect(shell("cat '\(first.mountpoint)/src/main.c'").output == "changed\n")

            // The same job with another path is a conflict.
            let conflict = try await daemon.send("POST", "/mounts", body: #"{"job_id":"build-1","path":"/src"}"#)
            #expect(conflict.status == 400)
            #expect(conflict.code == "INVALID_REQUEST")
            #expect(conflict.text.contains("build-1"))

            // By build id: idempotent too, and reported with job_id null.
            let byBuild = try await daemon.mount(#"{"build_id":"ci-77","path":"/src","cl":"7"}"#)
            #expect(try await daemon.mount(#"{"build_id":"ci-77","path":"/src","cl":"7"}"#) == byBuild)
            let buildConflict = try await daemon.send("POST", "/mounts", body: #"{"build_id":"ci-77","path":"/docs"}"#)
            #expect(buildConflict.status == 400)

            // A build user's mount is their tree.
            let owned = try await daemon.mount(#"{"job_id":"as-user","path":"/src","user":"1234:5678"}"#)
            #expect(shell("stat -c '%u:%g' '\(owned.mountpoint)' '\(owned.mountpoint)/main.c'").output == "1234:5678\n1234:5678\n")
            #expect(try await daemon.send("DELETE", "/mounts/\(owned.mountID)").status == 200)

            // Without any id the same (path, cl) cannot be mounted twice.
            let anonymous = try await daemon.mount(#"{"path":"/new"}"#)
            let twice = try await daemon.send("POST", "/mounts", body: #"{"path":"/new"}"#)
            #expect(twice.status == 400 && twice.text.contains(anonymous.mountID))

            // List and describe, at the root and under /antares.
            let list = try await daemon.send("GET", "/mounts").decoded(MountList.self)
            #expect(Set(list.mounts.map(\.mountID)) == [first.mountID, byBuild.mountID, anonymous.mountID])
            let combined = try await daemon.send("GET", "/antares/mounts").decoded(MountList.self)
            #expect(combined.mounts.count == 3)
            let described = try await daemon.send("GET", "/mounts/\(first.mountID)").decoded(MountStatus.self)
            #expect(described.jobID == "build-1" && described.path == "/" && described.cl == nil && described.state == .ready)
            #expect(described.layers.dicfuse == "shared")
            let byJob = try await daemon.send("GET", "/mounts/by-job/build-1").decoded(MountStatus.self)
            #expect(byJob.mountID == first.mountID)
            let built = try await daemon.send("GET", "/mounts/\(byBuild.mountID)")
            #expect(built.json["job_id"] is NSNull && built.json["build_id"] as? String == "ci-77" && built.json["cl"] as? String == "7")
            let ready = try await daemon.send("GET", "/mounts/\(first.mountID)/ready").decoded(MountReadiness.self)
            #expect(ready.ready && ready.state == .ready)

            // The change list is rebuilt under a live mount, and cleared.
            let withCL = try await daemon.send("POST", "/mounts/\(first.mountID)/cl", body: #"{"cl":"7"}"#)
            #expect(withCL.status == 200, "\(withCL.text)")
            #expect(try withCL.decoded(MountStatus.self).cl == "7")
            #expect(shell("cat '\(first.mountpoint)/cl.txt'").output == "from the cl\n")
            let cleared = try await daemon.send("DELETE", "/mounts/\(first.mountID)/cl")
            try #require(cleared.status == 200, "DELETE /mounts/\(first.mountID)/cl: \(cleared.status) \(cleared.text)")
            #expect(try cleared.decoded(MountStatus.self).cl == nil)
            #expect(!FileManager.default.fileExists(atPath: first.mountpoint + "/cl.txt"))

            // What the job wrote: the listing and the layer.
            #expect(shell("echo 'made by the job' > '\(first.mountpoint)/out.txt' && rm '\(first.mountpoint)/run.sh'").status == 0)
            let diff = try await daemon.send("GET", "/mounts/\(first.mountID)/diff").decoded(MountChanges.self)
            #expect(diff.changes.map(\.line) == ["A out.txt", "D run.sh"])
            var formats: [(query: String, headers: [String: String], listing: String)] = [
                ("", [:], "tar -tzf"), ("", ["Accept": "application/x-tar"], "tar -tf"),
            ]
            if shell("command -v zstd").status == 0 { formats.append(("?compression=zstd", [:], "tar --zstd -tf")) }
            for (query, headers, listing) in formats {
                let artifact = try await daemon.send("GET", "/mounts/\(first.mountID)/artifact\(query)", headers: headers)
                #expect(artifact.status == 200)
                let file = daemon.scratch.path.appending("layer-\(UUID().uuidString)")
                try artifact.data.write(to: URL(fileURLWithPath: file.string))
                let entries = shell("\(listing) '\(file)'")
                #expect(entries.status == 0, "\(listing) reads the layer")
                #expect(entries.output.split(separator: "\n").sorted() == [".wh.run.sh", "out.txt"], "\(entries.output)")
                #expect(artifact.headers["x-layer-digest"]?.hasPrefix("sha256:") == true)
            }

            // Delete by job and by mount id; the mountpoints go.
            let deleted = try await daemon.send("DELETE", "/mounts/by-job/build-1").decoded(MountStatus.self)
            #expect(deleted.state == .unmounted && deleted.mountID == first.mountID)
            #expect(try await daemon.send("DELETE", "/mounts/\(anonymous.mountID)").decoded(MountStatus.self).state == .unmounted)
            let kept = try await daemon.send("DELETE", "/mounts/\(byBuild.mountID.uppercased())?keep_upper=true")
            #expect(kept.status == 200, "mount ids in any case")
            #expect(FileManager.default.fileExists(atPath: try kept.decoded(MountStatus.self).layers.upper), "keep_upper keeps the writes")
            #expect(daemon.mounts.isEmpty, "\(daemon.mounts)")
            #expect(try await daemon.send("GET", "/mounts").decoded(MountList.self).mounts.isEmpty)
            #expect(try await daemon.send("GET", "/mounts/\(first.mountID)").decoded(MountStatus.self).state == .unmounted)
        }
    }

    /// Its fuse-driver views read each base from one dictionary of the daemon's own, shared by the jobs
    /// on that base (docs/antares.md).
    @Test func fuseViewsOfOneBaseReadItFromOneDictionaryOfTheDaemons() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let one = try await daemon.mount(#"{"job_id":"whole-1","path":"/"}"#)
            let two = try await daemon.mount(#"{"job_id":"whole-2","path":"/"}"#)
            let sub = try await daemon.mount(#"{"job_id":"sub","path":"/src"}"#)
            for view in [one, two] { #expect(shell("cat '\(view.mountpoint)/src/main.c'").output == "changed\n") }
            #expect(shell("cat '\(sub.mountpoint)/main.c' && ls '\(sub.mountpoint)'").output == "changed\nlib\nmain.c\n")
            #expect(daemon.dictionaries.heldKeys.count == 2, "one per base, the whole tree and src: \(daemon.dictionaries.heldKeys)")
            for view in [one, two, sub] { #expect(try await daemon.send("DELETE", "/mounts/\(view.mountID)").status == 200) }
            // No linger here: both bases end with their last job, and their dictionaries go with them.
            var waited = 0
            while !daemon.dictionaries.heldKeys.isEmpty && waited < 500 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 1
            }
            #expect(daemon.dictionaries.heldKeys.isEmpty, "held after their bases ended: \(daemon.dictionaries.heldKeys)")
        }
    }

    @Test func buildIDsOfJobsTheStateFileForgetsAreForgottenToo() async throws {
        try await DaemonFixture.withDaemon(retainedFinishedJobs: 1) { daemon in
            let first = try await daemon.mount(#"{"build_id":"b-1","path":"/"}"#)
            let second = try await daemon.mount(#"{"build_id":"b-2","path":"/src"}"#)
            #expect(try await daemon.send("DELETE", "/mounts/\(first.mountID)").status == 200)
            #expect(try await daemon.send("DELETE", "/mounts/\(second.mountID)").status == 200)
            // b-1's job is the older finished one: gone from the state file, its build id with it.
            let table = daemon.stateFile.removingLastComponent().appending("state.daemon.json")
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: table.string))) as? [[String: Any]])
            #expect(entries.compactMap { $0["build_id"] as? String } == ["b-2"], "\(entries)")
            #expect(try await daemon.send("GET", "/mounts/\(first.mountID)").status == 404)
            #expect(try await daemon.send("GET", "/mounts/\(second.mountID)").decoded(MountStatus.self).state == .unmounted)
        }
    }

    @Test func shutdownRefusesNewMountsAndUnmountsEverything() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let one = try await daemon.mount(#"{"job_id":"live-1","path":"/"}"#)
            _ = try await daemon.mount(#"{"job_id":"live-2","path":"/src"}"#)
            try "work\n".write(toFile: one.mountpoint + "/kept.txt", atomically: false, encoding: .utf8)
            #expect(daemon.mounts.count == 2)

            await daemon.service.shutDown()
            let refused = try await daemon.send("POST", "/mounts", body: #"{"job_id":"late","path":"/"}"#)
            #expect(refused.status == 503)
            #expect(refused.code == "SHUTDOWN")
            #expect(try await daemon.send("GET", "/health").json["status"] as? String == "degraded")
            #expect(daemon.mounts.isEmpty, "\(daemon.mounts)")
            let records = try daemon.service.manager.list()
            #expect(records.count == 2 && records.allSatisfy { $0.state == .unmounted })
            #expect(FileManager.default.fileExists(atPath: daemon.scratch.path.string + "/antares/upper/live-1/kept.txt"),
                    "the job's work is kept")
        }
    }

    @Test func aBusyMountFailsToUnmountWithFuseErrorAndItsStateThenSucceedsOnceFree() async throws {
        try await DaemonFixture.withDaemon { daemon in
            let created = try await daemon.mount(#"{"job_id":"busy","path":"/"}"#)
            let descriptor = open(created.mountpoint + "/src/main.c", O_RDONLY | O_CLOEXEC)
            try #require(descriptor >= 0)
            var closed = false
            defer { if !closed { close(descriptor) } }

            let refused = try await daemon.send("DELETE", "/mounts/\(created.mountID)")
            #expect(refused.status == 500)
            #expect(refused.code == "FUSE_ERROR")
            #expect((refused.json["error"] as? String)?.contains("busy") == true, "\(refused.text)")
            #expect(refused.json["mount_id"] as? String == created.mountID, "the answer describes the mount")
            let failed = (refused.json["state"] as? [String: Any])?["Failed"] as? [String: Any]
            #expect((failed?["reason"] as? String)?.contains("busy") == true, "\(refused.text)")
            #expect(try await daemon.send("GET", "/health").json["status"] as? String == "degraded")

            close(descriptor)
            closed = true
            // A process that other tests start holds every descriptor of this one between fork and exec.
            var unmounted = try await daemon.send("DELETE", "/mounts/by-job/busy")
            for _ in 0..<50 where unmounted.status == 500 {
                try await Task.sleep(for: .milliseconds(20))
                unmounted = try await daemon.send("DELETE", "/mounts/by-job/busy")
            }
            #expect(unmounted.status == 200, "\(unmounted.text)")
            #expect(daemon.mounts.isEmpty)
        }
    }
}
