import Artifact
import Sandbox
import SystemPackage

/// A named preset for a build tool (`recipes/NAME.toml`): the caches it may write, its environment,
/// its network policy, and which of its outputs belong in the layer.
public struct Recipe: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The file it was read from.
    public var source: FilePath
    public var network: NetworkMode?
    /// Host directories the job may write, created when missing. `$VAR`, `${VAR}` and a leading `~` expand.
    public var writable: [String]
    /// Added to the caller's environment; values expand as `writable` does.
    public var environment: [String: String]
    public var include: [String]
    public var exclude: [String]
    public var compression: LayerCompression?

    public init(
        name: String, description: String = "", source: FilePath, network: NetworkMode? = nil, writable: [String] = [],
        environment: [String: String] = [:], include: [String] = [], exclude: [String] = [], compression: LayerCompression? = nil
    ) {
        self.name = name
        self.description = description
        self.source = source
        self.network = network
        self.writable = writable
        self.environment = environment
        self.include = include
        self.exclude = exclude
        self.compression = compression
    }
}
