@testable import Dicfuse
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite("MegaSource: failures are named errors")
struct MegaSourceErrorTests {
    @Test("a server that is down: the error names the URL and the refused connection")
    func serverDown() async throws {
        let repository = try MegaTestRepository.make()
        defer { repository.remove() }
        let server = try MegaTestServer(repository: repository)
        let baseURL = server.baseURL
        server.stop()

        let error = #expect(throws: SourceError.self) { try MegaTreeSource(options: megaTestOptions(baseURL)) }
        let failure = try #require(megaServerFailure(error))
        #expect(failure.url.hasPrefix(baseURL + "/api/v1/"))
        #expect(failure.reason.contains("connection refused"))
        #expect(failure.reason.contains("4 attempts"))
    }

    @Test("a server that never completes the connection fails at the connect timeout")
    func connectTimeout() async throws {
        try await withMegaServer(["--blackhole"]) { _, server in
            var options = megaTestOptions(server.baseURL, maxRetries: 1)
            options.connectTimeout = .milliseconds(200)
            let error = #expect(throws: SourceError.self) { try MegaTreeSource(options: options) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.hasPrefix(server.baseURL))
            #expect(failure.reason.contains("no connection within"))
        }
    }

    @Test("a listing that does not come within the directory-fetch timeout is an error")
    func directoryFetchTimeout() async throws {
        try await withMegaServer(["--stall", "60", "--only", "/api/v1/tree/content-hash"]) { _, server in
            var options = megaTestOptions(server.baseURL, maxRetries: 0)
            options.directoryFetchTimeout = .seconds(2)
            let source = try MegaTreeSource(options: options)
            let error = #expect(throws: SourceError.self) { try source.list(source.root) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.contains("/api/v1/tree/content-hash"))
            #expect(failure.reason.contains("timed out after 2") || failure.reason.contains("no progress for 2"))
        }
    }

    @Test("an answer that is not JSON is a clear error")
    func garbage() async throws {
        try await withMegaServer(["--garbage", "--only", "/api/v1/tree/content-hash"]) { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let error = #expect(throws: SourceError.self) { try source.list(source.root) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.contains("/api/v1/tree/content-hash?path=/"))
            #expect(failure.reason.contains("not JSON"))
        }
    }

    @Test("HTTP 500 is retried, then reported with its status")
    func serverErrorAfterRetries() async throws {
        try await withMegaServer(["--fail-status", "500", "--only", "/api/v1/tree/content-hash"]) { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let error = #expect(throws: SourceError.self) { try source.list(source.root) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.contains("/api/v1/tree/content-hash"))
            #expect(failure.reason.contains("HTTP 500"))
            #expect(failure.reason.contains("injected failure"))
            #expect(try await server.stats().byRoute["/api/v1/tree/content-hash"] == 4)
        }
    }

    @Test("req_result false carries the server's err_message")
    func refusal() async throws {
        let message = "the monorepo is being migrated"
        try await withMegaServer(["--refuse", message, "--only", "/api/v1/tree/content-hash"]) { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let error = #expect(throws: SourceError.self) { try source.list(source.root) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.reason.contains(message))
            #expect(try await server.stats().byRoute["/api/v1/tree/content-hash"] == 1)
        }
    }

    @Test("two failed requests are retried and then succeed")
    func retriesRecover() async throws {
        try await withMegaServer(["--fail-first", "2"]) { repository, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            #expect(source.revision.id.hex == (try repository.head))
            #expect(try source.list(source.root).count == (try repository.lsTree("")).count)
            #expect(try await server.stats().byRoute["/api/v1/latest-commit"] == 3)
        }
    }

    @Test("with retries off, the first failure is final")
    func retriesOff() async throws {
        try await withMegaServer(["--fail-first", "1"]) { _, server in
            let error = #expect(throws: SourceError.self) {
                try MegaTreeSource(options: megaTestOptions(server.baseURL, maxRetries: 0))
            }
            #expect(megaServerFailure(error)?.reason.contains("HTTP 500") == true)
        }
    }

    @Test("a directory the server does not have is pathNotFound")
    func unknownDirectory() async throws {
        try await withMegaServer { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let error = #expect(throws: SourceError.self) {
                try source.list(SourceDirectory(path: "no/such dir", objectID: nil))
            }
            guard case .pathNotFound(let path, _)? = error else {
                Issue.record("expected pathNotFound, got \(String(describing: error))")
                return
            }
            #expect(path == "/no/such dir")
        }
    }

    @Test("a served root that does not exist, or is a file, fails at start", arguments: ["/no-such-root", "/README.md"])
    func unknownRoot(rootPath: String) async throws {
        try await withMegaServer { _, server in
            let error = #expect(throws: SourceError.self) {
                try MegaTreeSource(options: megaTestOptions(server.baseURL, rootPath: rootPath))
            }
            switch error {
            case .pathNotFound(let path, _)?, .notADirectory(let path)?: #expect(path == rootPath)
            default: Issue.record("expected pathNotFound or notADirectory, got \(String(describing: error))")
            }
        }
    }

    @Test("a blob the server does not have is an error, and nothing is written")
    func missingBlob() async throws {
        try await withMegaServer { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let missing = ObjectID(hex: "0123456789abcdef0123456789abcdef01234567")!
            let entry = TreeEntry(name: "ghost.txt", kind: .file(executable: false), objectID: missing, size: 5)
            let file = try MegaScratchFile()
            let error = #expect(throws: SourceError.self) { try source.fetch(entry, in: source.root, to: file.descriptor) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.hasSuffix("/api/v1/file/blob/\(missing.hex)"))
            #expect(failure.reason.contains("HTTP 404"))
            #expect(try file.contents.isEmpty)
        }
    }

    @Test("a download that stops half-way is an error, never a short file")
    func truncatedBlob() async throws {
        try await withMegaServer(["--truncate-blobs"]) { _, server in
            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let big = try #require(try source.list(source.root).first { $0.name == "big.bin" })
            let file = try MegaScratchFile()
            let error = #expect(throws: SourceError.self) { try source.fetch(big, in: source.root, to: file.descriptor) }
            let failure = try #require(megaServerFailure(error))
            #expect(failure.url.hasSuffix("/api/v1/file/blob/\(big.objectID.hex)"))
        }
    }

    @Test("a base URL that is not http(s) is refused before any request", arguments: ["ftp://example.com", "not a url", "http://"])
    func invalidBaseURL(baseURL: String) {
        let error = #expect(throws: SourceError.self) { try MegaTreeSource(options: megaTestOptions(baseURL)) }
        #expect(megaServerFailure(error)?.url == baseURL)
    }
}

@Suite("MegaSource: request building")
struct MegaSourceRequestTests {
    @Test("path queries are percent-encoded: + is %2B, # is %23, a space %20")
    func queryEncoding() {
        #expect(MegaEndpoints.encodeQueryValue("/a+b/c#d e") == "/a%2Bb/c%23d%20e")
        #expect(MegaEndpoints.encodeQueryValue("/100% q?a&b=c") == "/100%25%20q%3Fa%26b%3Dc")
        #expect(MegaEndpoints.encodeQueryValue("/ünï") == "/%C3%BCn%C3%AF")
        #expect(MegaEndpoints.encodeQueryValue("/plain-name_1.2~x") == "/plain-name_1.2~x")
    }

    @Test("server paths join the served root and the relative directory")
    func serverPaths() throws {
        let atRoot = try MegaEndpoints(baseURL: "http://localhost:8000/", rootPath: "/")
        #expect(atRoot.serverPath(of: "") == "/")
        #expect(atRoot.serverPath(of: "a/b") == "/a/b")
        #expect(atRoot.blob(ObjectID(hex: "sha1:abcd")!).absoluteString == "http://localhost:8000/api/v1/file/blob/abcd")
        let nested = try MegaEndpoints(baseURL: "http://localhost:8000", rootPath: "third-party//mega/")
        #expect(nested.rootPath == "/third-party/mega")
        #expect(nested.serverPath(of: "") == "/third-party/mega")
        #expect(nested.serverPath(of: "x y") == "/third-party/mega/x y")
    }

    @Test("the defaults are the upstream client's")
    func defaults() {
        let options = MegaSourceOptions(baseURL: "http://localhost:8000")
        #expect(options.connectTimeout == .seconds(3))
        #expect(options.directoryFetchTimeout == .seconds(10))
        #expect(options.maxRetries == 3)
        #expect(options.retryBackoffStep == .milliseconds(100))
    }
}
