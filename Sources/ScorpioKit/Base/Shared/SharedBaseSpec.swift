import Dicfuse
import Foundation
import SystemPackage

/// What a shared base serves: a source at a resolved revision, how, and for whom. The job that starts
/// the base writes it; the base's server reads it, so the server needs no configuration of its own.
struct SharedBaseSpec: Codable, Sendable, Equatable {
    var kind: TreeSourceKind
    /// The git repository, or the directory of a `dir` source.
    var repository: String?
    /// The resolved revision (a commit id for git), so every job on the base sees the same tree.
    var revision: String
    var subdirectory: String
    var megaBaseURL: String?
    var megaConnectTimeoutSeconds: Int
    var megaFetchTimeoutSeconds: Int
    var megaRetries: Int
    /// Who every entry is shown as owned by (a build user's base); nil: the server's own ids.
    var owner: FileOwner?
    var storePath: String
    var prefetchDepth: Int
    var prefetchThreads: Int
    /// How long the base stays after its last lease, in seconds.
    var lingerSeconds: Int
    /// `TreeSource.identity` of the source, as the job saw it.
    var identity: String

    /// The selection this spec opens.
    var selection: BaseSelection {
        var config = ScorpioConfig()
        config.treeSource.kind = kind
        config.treeSource.revision = revision
        var selection = BaseSelection(config: config)
        selection.subdirectory = subdirectory
        if kind == .dir { selection.directory = repository.map { FilePath($0) } } else { selection.repository = repository.map { FilePath($0) } }
        return selection
    }

    /// The configuration the spec's source needs to open (the Mega server's address and timeouts).
    var sourceConfig: ScorpioConfig {
        var config = ScorpioConfig()
        if let megaBaseURL, let url = URL(string: megaBaseURL) { config.server.baseURL = url }
        config.dicfuse.connectTimeout = .seconds(megaConnectTimeoutSeconds)
        config.dicfuse.fetchDirectoryTimeout = .seconds(megaFetchTimeoutSeconds)
        config.dicfuse.fetchDirectoryMaxRetries = megaRetries
        return config
    }

    var dicfuseOptions: DicfuseOptions {
        var options = DicfuseOptions()
        options.prefetchDepth = prefetchDepth
        options.prefetchThreads = prefetchThreads
        return options
    }

    func write(to path: FilePath) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path.string), options: .atomic)
    }

    static func read(from path: FilePath) throws -> SharedBaseSpec {
        try JSONDecoder().decode(SharedBaseSpec.self, from: Data(contentsOf: URL(fileURLWithPath: path.string)))
    }
}

/// What a running base's server reports about itself.
struct SharedBaseInfo: Codable, Sendable {
    var pid: Int32
    var identity: String
    var revision: String
    var mountpoint: String
    var owner: FileOwner?
    var startedAtEpochSeconds: Int
    var lingerSeconds: Int

    func write(to path: FilePath) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path.string), options: .atomic)
    }

    static func read(from path: FilePath) -> SharedBaseInfo? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path.string)) else { return nil }
        return try? JSONDecoder().decode(SharedBaseInfo.self, from: data)
    }
}

extension TreeSourceKind: Codable {}
