import Foundation
import SystemPackage

/// The URLs of the Mega API calls a source makes, built from the base URL and the served root.
struct MegaEndpoints: Sendable {
    /// `scheme://host[:port][/prefix]`, without a trailing slash.
    let base: String
    let host: String
    let port: UInt16
    /// The served root as the server names it: `/` or `/a/b`.
    let rootPath: String

    init(baseURL: String, rootPath: String) throws(SourceError) {
        guard let components = URLComponents(string: baseURL),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty
        else { throw .server(url: baseURL, reason: "not an http:// or https:// URL with a host") }
        guard components.query == nil, components.fragment == nil else {
            throw .server(url: baseURL, reason: "a base URL takes no query or fragment")
        }
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.host = host
        port = UInt16(exactly: components.port ?? (scheme == "https" ? 443 : 80)) ?? 80
        let names = rootPath.split(separator: "/").filter { $0 != "." }
        guard !names.contains("..") else {
            throw .server(url: baseURL, reason: "root path '\(rootPath)' may not contain '..'")
        }
        self.rootPath = "/" + names.joined(separator: "/")
    }

    /// The absolute server path of a directory given relative to the served root.
    func serverPath(of relativePath: FilePath) -> String {
        let names = relativePath.components.map(\.string)
        guard !names.isEmpty else { return rootPath }
        return (rootPath == "/" ? "" : rootPath) + "/" + names.joined(separator: "/")
    }

    /// `GET /api/v1/tree/content-hash?path=…[&refs=…]`: one directory's children with their object ids.
    func contentHash(ofDirectory serverPath: String, at commit: ObjectID?) -> URL {
        var query = "path=" + Self.encodeQueryValue(serverPath)
        if let commit { query += "&refs=" + commit.hex }
        return url("/api/v1/tree/content-hash?" + query)
    }

    /// `GET /api/v1/latest-commit?path=…`: the newest commit that touched a path.
    func latestCommit(touching serverPath: String) -> URL {
        url("/api/v1/latest-commit?path=" + Self.encodeQueryValue(serverPath))
    }

    /// `GET /api/v1/cl/{link}/files-list`: the files a change list touches.
    func changeListFiles(_ link: String) -> URL {
        url("/api/v1/cl/" + Self.encodeQueryValue(link).replacingOccurrences(of: "/", with: "%2F") + "/files-list")
    }

    /// `GET /api/v1/file/blob/{oid}`: a blob's raw bytes.
    func blob(_ id: ObjectID) -> URL {
        url("/api/v1/file/blob/" + id.hex)
    }

    /// Percent-encodes a query value: everything but RFC 3986 unreserved characters and `/` becomes `%XX`
    /// of its UTF-8 bytes, so `+` is `%2B` (a bare `+` would read as a space), `#` is `%23`, a space `%20`.
    static func encodeQueryValue(_ value: String) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xf)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    private func url(_ pathAndQuery: String) -> URL {
        // The base was parsed at init and everything appended is ASCII without reserved characters.
        URL(string: base + pathAndQuery)!
    }
}
