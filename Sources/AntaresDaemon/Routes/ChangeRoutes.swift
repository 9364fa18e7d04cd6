import Artifact
import Glibc
import HTTPTypes
import Hummingbird
import ScorpioKit

/// What a mount's job changed: the listing (`/diff`) and the OCI layer tarball (`/artifact`).
struct ChangeRoutes {
    let service: AntaresService
    /// The compression when the request names none (config key artifact_compression).
    let defaultCompression: LayerCompression

    func register<Methods: RouterMethods>(on routes: Methods) {
        routes.get("mounts/:mount_id/diff") { _, context -> Response in
            JSONBodies.response(try await service.changes(mountID: try context.parameters.require("mount_id")))
        }
        routes.get("mounts/:mount_id/artifact") { request, context -> Response in
            let compression = try compression(for: request)
            let query = request.uri.queryParameters
            let filter = PathFilter(includes: query.getAll("include"), excludes: query.getAll("exclude"))
            let export = try await service.exportLayer(
                mountID: try context.parameters.require("mount_id"), compression: compression, filter: filter)
            return Self.streaming(export)
        }
    }

    /// `?compression=gzip|zstd|none` wins; else the Accept header (`application/zstd`, `…tar+zstd`,
    /// `application/gzip`, `…tar+gzip`, `application/x-tar`, `…layer.v1.tar`); else the default.
    func compression(for request: Request) throws(DaemonError) -> LayerCompression {
        if let named = request.uri.queryParameters.get("compression") {
            guard let compression = LayerCompression(rawValue: named.lowercased()) else {
                throw .invalid("compression '\(named)' should be gzip, zstd or none")
            }
            return compression
        }
        let accepted = (request.headers[.accept] ?? "").lowercased()
            .split(separator: ",").map { $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? "" }
        for type in accepted {
            if type.hasSuffix("zstd") { return .zstd }
            if type.hasSuffix("gzip") || type == "application/x-gzip" { return .gzip }
            if type == "application/x-tar" || type == LayerCompression.none.mediaType { return .none }
        }
        return defaultCompression
    }

    /// The layer file as the body, read in chunks and removed once sent (or once the client left).
    static func streaming(_ export: JobExport) -> Response {
        let path = export.layer.string
        var headers = HTTPFields()
        headers[.contentType] = export.summary.mediaType
        headers[.contentDisposition] = "attachment; filename=\"layer.\(export.summary.compression.fileExtension)\""
        if let digest = HTTPField.Name("X-Layer-Digest") { headers[digest] = export.summary.digest }
        if let diffID = HTTPField.Name("X-Layer-Diff-Id") { headers[diffID] = export.summary.diffID }
        let body = ResponseBody(contentLength: Int(export.summary.size)) { writer in
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            unlink(path)
            guard descriptor >= 0 else { throw DaemonError.internal("the layer file \(path) could not be opened") }
            defer { close(descriptor) }
            var buffer = ByteBufferAllocator().buffer(capacity: 1 << 16)
            while true {
                buffer.clear()
                var failure: Int32 = 0
                let count = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 1 << 16) { bytes in
                    while true {
                        let count = read(descriptor, bytes.baseAddress, bytes.count)
                        if count >= 0 { return count }
                        if errno != EINTR {
                            failure = errno
                            return 0
                        }
                    }
                }
                if failure != 0 { throw DaemonError.internal("reading the layer file failed: \(String(cString: strerror(failure)))") }
                if count == 0 { break }
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
