import Antares
import Dicfuse
import Glibc
import SystemPackage

/// The configured way to manage job mounts: paths, driver and base from `scorpio.toml`.
public enum JobManagement {
    /// The manager for `config`, with `base` naming the repository/revision jobs are built on.
    public static func manager(config: ScorpioConfig, base: BaseSelection) throws(ManagerError) -> AntaresManager {
        let paths = AntaresPaths(
            upperRoot: config.antares.upperRoot, changeListRoot: config.antares.clRoot,
            mountRoot: config.antares.mountRoot, stateFile: config.antares.stateFile)
        let store: ContentStore
        do { store = try ContentStore(root: config.storePath) } catch { throw .base(error) }
        var options = DicfuseOptions()
        options.prefetchDepth = config.antares.loadDirectoryDepth
        let bases = DicfuseManager(store: store, options: options)
        return AntaresManager(
            paths: paths, bases: bases, driver: driver(for: config.unionDriver),
            openBase: { spec throws(SourceError) in
                var selection = base
                selection.subdirectory = spec.path
                do throws(BaseSourceError) {
                    return try selection.openSource(config: config)
                } catch {
                    switch error {
                    case .source(let sourceError): throw sourceError
                    default: throw SourceError.io(selection.repository?.string ?? ".", reason: "\(error)")
                    }
                }
            })
    }

    /// The driver `auto` stands for on this host: kernel overlayfs where this process may mount it (root),
    /// otherwise the FUSE union.
    public static func driver(for choice: UnionDriver) -> UnionDriverKind {
        switch choice {
        case .kernel: .kernel
        case .fuse: .fuse
        case .auto: geteuid() == 0 ? .kernel : .fuse
        }
    }
}

extension ManagerError: ScorpioFailure {
    public var exitStatus: ScorpioExitStatus {
        switch self {
        case .union, .mountpointOccupied: .mountFailure
        case .invalidJobID: .usageError
        default: .failure
        }
    }
}
