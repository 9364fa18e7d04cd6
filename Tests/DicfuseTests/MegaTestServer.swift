import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Fixtures/mega_server.py serving a test repository on 127.0.0.1, for one test. Call ``stop()`` in a
/// `defer`; should the test process die first, the server exits when its stdin closes.
final class MegaTestServer {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mega_server.py").path

    let baseURL: String
    private let process = Process()
    private let input = Pipe()
    private let errors = Pipe()
    private var stopped = false

    /// Starts the server; `switches` are the script's (`--plain-api`, `--fail-first 2`, …).
    init(repository: MegaTestRepository, switches: [String] = []) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--repo", repository.path] + switches
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(output.fileHandleForReading.fileDescriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw MegaTestProcess.Failure(description: "mega_server.py did not start: \(message)")
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    deinit { stop() }

    func stop() {
        guard !stopped else { return }
        stopped = true
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// What the server has seen so far.
    struct Stats: Decodable {
        var requests: Int
        var byRoute: [String: Int]
        var blobAcceptEncodings: [String]

        enum CodingKeys: String, CodingKey {
            case requests
            case byRoute = "by_route"
            case blobAcceptEncodings = "blob_accept_encodings"
        }
    }

    func stats() async throws -> Stats {
        struct Envelope: Decodable { var data: Stats }
        let (body, _) = try await URLSession.shared.data(from: URL(string: baseURL + "/_scaffold/stats")!)
        return try JSONDecoder().decode(Envelope.self, from: body).data
    }
}
