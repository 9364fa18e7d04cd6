import AntaresDaemon
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

/// docs/openapi.yaml and the routes the daemon serves agree.
@Suite("docs/openapi.yaml", .enabled(if: FuseHost.canMount, "needs root and /dev/fuse"))
struct APIDocumentationTests {
    /// Every (method, path) the document describes, its path parameters as written (`{mount_id}`).
    static var documentedRoutes: [(method: String, path: String)] {
        let repository = FilePath(#filePath).removingLastComponent().removingLastComponent().removingLastComponent()
        guard let text = try? String(contentsOfFile: repository.appending("docs/openapi.yaml").string, encoding: .utf8) else { return [] }
        var routes: [(String, String)] = []
        var path: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths && !line.hasPrefix(" ") && !line.isEmpty { break }
            if line.hasPrefix("  /") && line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
            for method in ["get", "post", "delete", "put", "patch"] where line == "    \(method):" {
                if let path { routes.append((method.uppercased(), path)) }
            }
        }
        return routes
    }

    @Test func everyDocumentedRouteIsServedAndEveryServedRouteIsDocumented() async throws {
        let documented = Self.documentedRoutes
        let served: Set<String> = [
            "GET /health", "GET /metrics", "POST /mounts", "GET /mounts", "GET /mounts/{mount_id}", "DELETE /mounts/{mount_id}",
            "GET /mounts/by-job/{job_id}", "DELETE /mounts/by-job/{job_id}", "GET /mounts/{mount_id}/ready",
            "POST /mounts/{mount_id}/cl", "DELETE /mounts/{mount_id}/cl", "GET /mounts/{mount_id}/diff",
            "GET /mounts/{mount_id}/artifact",
        ]
        #expect(Set(documented.map { "\($0.method) \($0.path)" }) == served)
        try await DaemonFixture.withDaemon { daemon in
            for route in documented {
                let path = route.path.replacingOccurrences(of: "{mount_id}", with: UUID().uuidString.lowercased())
                    .replacingOccurrences(of: "{job_id}", with: "no-such-job")
                for prefix in ["", "/antares"] {
                    let answer = try await daemon.send(route.method, prefix + path, body: route.method == "POST" ? "{}" : nil)
                    #expect(!answer.text.contains("no route"), "\(route.method) \(prefix)\(path): \(answer.text)")
                }
            }
        }
    }
}
