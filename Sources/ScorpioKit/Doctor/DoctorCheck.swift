#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SystemPackage

/// One thing `scorpio doctor` examines.
public protocol DoctorCheck: Sendable {
    func run(in context: DoctorContext) -> DoctorFinding
}

/// What the checks look at: the configuration (or why it failed to load) and facts about this process.
public struct DoctorContext: Sendable {
    /// The configuration to check against; the defaults when loading failed.
    public var config: ScorpioConfig
    public var configFile: ConfigFileLocation?
    /// Why the configuration did not load, if it did not.
    public var configProblem: ConfigError?
    public var isRoot: Bool
    /// `PATH`, to look up helper programs.
    public var searchPath: String
    /// Runs namespace, seccomp and overlay probes; nil skips them with a warning.
    public var probeLauncher: HostProbeLauncher?

    public init(config: ScorpioConfig, configFile: ConfigFileLocation? = nil, configProblem: ConfigError? = nil,
                isRoot: Bool = geteuid() == 0,
                searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
                probeLauncher: HostProbeLauncher? = nil) {
        self.config = config
        self.configFile = configFile
        self.configProblem = configProblem
        self.isRoot = isRoot
        self.searchPath = searchPath
        self.probeLauncher = probeLauncher
    }

    /// A context for the outcome of loading: the loaded configuration, or the defaults and the error.
    public init(loading result: Result<LoadedConfig, ConfigError>, probeLauncher: HostProbeLauncher?) {
        switch result {
        case .success(let loaded):
            self.init(config: loaded.config, configFile: loaded.file, probeLauncher: probeLauncher)
        case .failure(let problem):
            self.init(config: ScorpioConfig(), configProblem: problem, probeLauncher: probeLauncher)
        }
    }
}
