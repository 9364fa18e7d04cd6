import Foundation
import SystemPackage

/// The Mega API calls a source makes: each returns what the server answered or throws a
/// ``SourceError`` naming the URL asked.
struct MegaAPI: Sendable {
    let endpoints: MegaEndpoints
    let sizes: MegaBlobSizeResolver
    private let client: MegaHTTPClient
    private let directoryFetchTimeout: Duration
    private let blobStallTimeout: Duration

    init(options: MegaSourceOptions) throws(SourceError) {
        endpoints = try MegaEndpoints(baseURL: options.baseURL, rootPath: options.rootPath)
        client = MegaHTTPClient(endpoints: endpoints, options: options)
        directoryFetchTimeout = options.directoryFetchTimeout
        blobStallTimeout = options.blobStallTimeout
        sizes = MegaBlobSizeResolver(
            client: client, endpoints: endpoints,
            timeout: options.directoryFetchTimeout, concurrency: options.sizeLookupConcurrency)
    }

    /// The newest commit touching `path`, or nil when the server has no such endpoint or no commit for it.
    func latestCommit(touching path: String) throws(SourceError) -> (id: ObjectID, time: Int?)? {
        let url = endpoints.latestCommit(touching: path)
        let response = try client.perform(MegaHTTPRequest(url: url, timeout: directoryFetchTimeout))
        if response.status == 404 { return nil }
        guard response.isSuccess else { throw response.failure }
        let commit = try MegaEnvelope.data(MegaLatestCommit.self, from: response.body, url: url)
        guard let id = ObjectID(hex: commit.oid) else {
            throw .server(url: url.absoluteString, reason: "the latest commit's oid '\(commit.oid)' is not hexadecimal")
        }
        return (id, commit.time)
    }

    /// The children of the directory at `path` (absolute on the server), as of `commit` when given.
    /// `revisionName` names the revision in a ``SourceError/pathNotFound(_:revision:)``.
    func children(
        of path: String,
        at commit: ObjectID?,
        revisionName: String
    ) throws(SourceError) -> (items: [MegaContentHashItem], url: URL) {
        let url = endpoints.contentHash(ofDirectory: path, at: commit)
        let response = try client.perform(MegaHTTPRequest(url: url, timeout: directoryFetchTimeout))
        // A 404 without an envelope comes from some other server: a wrong base URL, not a missing directory.
        if response.status == 404, MegaEnvelope.isEnvelope(response.body) {
            throw .pathNotFound(path, revision: revisionName)
        }
        guard response.isSuccess else {
            throw response.failure(hint: response.status == 404 ? "is this a Mega server?" : nil)
        }
        return (try MegaEnvelope.data([MegaContentHashItem].self, from: response.body, url: url), url)
    }

    /// The files change list `link` touches: path, blob id and what happened to it.
    func changeListFiles(_ link: String) throws(SourceError) -> [MegaChangedFile] {
        let url = endpoints.changeListFiles(link)
        let response = try client.perform(MegaHTTPRequest(url: url, timeout: directoryFetchTimeout))
        if response.status == 404, MegaEnvelope.isEnvelope(response.body) {
            throw .revisionNotFound("cl \(link)", repository: endpoints.base)
        }
        guard response.isSuccess else { throw response.failure }
        return try MegaEnvelope.data([MegaChangedFile].self, from: response.body, url: url)
    }

    /// Downloads the blob `id` into `destination` and returns its length, which must be `expectedSize`
    /// when a listing gave one. On failure the destination is left empty: whatever an attempt wrote is
    /// not the blob.
    func downloadBlob(_ id: ObjectID, expectedSize: UInt64?, to destination: FileDescriptor) throws(SourceError) -> UInt64 {
        let url = endpoints.blob(id)
        let request = MegaHTTPRequest(url: url, timeout: blobStallTimeout, headers: MegaHTTPRequest.identityEncoding)
        do throws(SourceError) {
            let response = try client.perform(request, body: .file(destination))
            guard response.isSuccess else { throw response.failure }
            if let expectedSize, response.receivedBytes != expectedSize {
                throw .server(
                    url: url.absoluteString,
                    reason: "sent \(response.receivedBytes) bytes for a blob listed with \(expectedSize) bytes")
            }
            return response.receivedBytes
        } catch {
            try? destination.resize(to: 0)
            throw error
        }
    }
}
