import Hummingbird

/// Upstream's mount routes: create, list, describe, readiness, delete (by mount or by job) and the
/// change-list rebuild.
struct MountRoutes {
    let service: AntaresService
    let bodyLimit: Int

    func register<Methods: RouterMethods>(on routes: Methods) {
        routes.post("mounts") { request, _ -> Response in
            let body = try await JSONBodies.decode(MountRequest.self, from: request, limit: bodyLimit)
            return JSONBodies.response(try await service.mount(body))
        }
        routes.get("mounts") { _, _ -> Response in
            JSONBodies.response(try await service.list())
        }
        routes.get("mounts/by-job/:job_id") { _, context -> Response in
            JSONBodies.response(try await service.describe(jobID: try context.parameters.require("job_id")))
        }
        routes.delete("mounts/by-job/:job_id") { request, context -> Response in
            JSONBodies.response(try await service.unmount(jobID: try context.parameters.require("job_id"), keepUpper: keepUpper(request)))
        }
        routes.get("mounts/:mount_id") { _, context -> Response in
            JSONBodies.response(try await service.describe(mountID: try context.parameters.require("mount_id")))
        }
        routes.get("mounts/:mount_id/ready") { _, context -> Response in
            JSONBodies.response(try await service.readiness(mountID: try context.parameters.require("mount_id")))
        }
        routes.delete("mounts/:mount_id") { request, context -> Response in
            JSONBodies.response(try await service.unmount(mountID: try context.parameters.require("mount_id"), keepUpper: keepUpper(request)))
        }
        routes.post("mounts/:mount_id/cl") { request, context -> Response in
            let body = try await JSONBodies.decode(ChangeListRequest.self, from: request, limit: bodyLimit)
            return JSONBodies.response(try await service.changeChangeList(mountID: try context.parameters.require("mount_id"), to: body.cl))
        }
        routes.delete("mounts/:mount_id/cl") { _, context -> Response in
            JSONBodies.response(try await service.changeChangeList(mountID: try context.parameters.require("mount_id"), to: nil))
        }
    }

    /// `?keep_upper=true` keeps the job's writes on disk after the unmount.
    private func keepUpper(_ request: Request) throws(DaemonError) -> Bool {
        switch request.uri.queryParameters.get("keep_upper") {
        case nil, "false", "0": return false
        case "true", "1": return true
        case let other?: throw .invalid("keep_upper '\(other)' should be true or false")
        }
    }
}
