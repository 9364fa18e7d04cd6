import Dicfuse
import FuseKit
import SystemPackage

/// Which tree a job's base is: a source kind and where in it, from the configuration and flags.
public struct BaseSelection: Sendable, Equatable {
    public var kind: TreeSourceKind
    /// The git repository (any directory inside a work tree, or a bare repository); nil means the
    /// repository containing the current directory.
    public var repository: FilePath?
    /// A rev-parse expression (git) — `HEAD`, a branch, a tag, a commit id.
    public var revision: String
    /// A directory of the tree to serve as the root; empty for the whole tree.
    public var subdirectory: String
    /// The directory served by the `dir` source.
    public var directory: FilePath?

    public init(config: ScorpioConfig) {
        kind = config.treeSource.kind
        repository = config.treeSource.repository
        revision = config.treeSource.revision
        subdirectory = ""
        directory = nil
    }

    /// Opens the source this selection names.
    public func openSource(config: ScorpioConfig) throws(BaseSourceError) -> any TreeSource {
        do {
            switch kind {
            case .git:
                return try GitTreeSource(repository: (repository ?? ".").string, revision: revision, subdirectory: subdirectory)
            case .dir:
                guard let directory = directory ?? repository else { throw BaseSourceError.missingDirectory }
                return try DirectoryTreeSource(path: directory)
            case .mega:
                var options = MegaSourceOptions(baseURL: config.server.baseURL.absoluteString, rootPath: "/" + subdirectory)
                options.connectTimeout = config.dicfuse.connectTimeout
                options.directoryFetchTimeout = config.dicfuse.fetchDirectoryTimeout
                options.maxRetries = config.dicfuse.fetchDirectoryMaxRetries
                return try MegaTreeSource(options: options)
            }
        } catch let error as SourceError {
            throw .source(error)
        } catch let error as BaseSourceError {
            throw error
        } catch {
            throw .unsupported("\(error)")
        }
    }
}

/// Why a base could not be opened.
public enum BaseSourceError: Error, ScorpioFailure, Equatable {
    case source(SourceError)
    case missingDirectory
    case unsupported(String)

    public var description: String {
        switch self {
        case .source(let error): "\(error)"
        case .missingDirectory: "the dir source needs a directory (--dir PATH)"
        case .unsupported(let reason): reason
        }
    }

    public var exitStatus: ScorpioExitStatus { .failure }
}

extension FuseMountError: ScorpioFailure {
    public var exitStatus: ScorpioExitStatus { .mountFailure }
}
