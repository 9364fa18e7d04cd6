#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SystemPackage

/// Short-lived directories the doctor creates to try things, removed right after.
enum ScratchDirectory {
    /// `mkdtemp` under `parent`.
    static func create(in parent: FilePath, prefix: String = ".scorpio-doctor-") throws(Errno) -> FilePath {
        var template = Array(parent.appending(prefix + "XXXXXX").string.utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else { throw Errno(rawValue: errno) }
        return FilePath(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Removes the directory and everything in it.
    static func remove(_ directory: FilePath) {
        try? FileManager.default.removeItem(atPath: directory.string)
    }

    /// `path` itself if it exists, else its closest existing ancestor (`.` for a relative path with none).
    static func nearestExisting(_ path: FilePath) -> FilePath {
        var candidate = path
        while !candidate.isEmpty && !candidate.exists {
            let parent = candidate.removingLastComponent()
            if parent == candidate { break }
            candidate = parent
        }
        return candidate.isEmpty ? "." : candidate
    }
}
