import ArgumentParser
import Foundation
import Glibc
import ScorpioKit
import SystemPackage

/// `scorpio run [options] -- COMMAND ARGS…`.
struct RunCommand: ParsableCommand, QuickParsable {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command in a job's copy-on-write view of the monorepo and keep what it wrote.",
        discussion: """
            Mounts the base (the git repository containing this directory, at HEAD, with your \
            uncommitted and untracked changes over it unless --clean or --cl), runs the command in a \
            private mount and PID namespace where the view appears at the work tree's own path and the \
            rest of the host is read-only (private /tmp, --writable for caches), under a seccomp \
            filter, then writes what it changed as an OCI layer in artifacts_dir (default \
            ~/.local/state/scorpio/artifacts, never part of a job's input), unmounts, and exits with the \
            command's status (125 if Scorpio failed first, 126 not executable, 127 not found).

            Examples:
              scorpio run -- make -j8
              scorpio run --cl 456 --network none -- make all
              scorpio run --clean --rev v1.2 --artifact out/build.tar.zst --compression zstd -- ./build.sh
              scorpio run --recipe cargo -- cargo build --release
              scorpio run --driver kernel --keep -- make

            A recipe (`scorpio recipes` lists them) sets the caches a build tool may write, its \
            environment, network policy and which outputs the layer keeps; flags given here add to it \
            or override it.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
    @OptionGroup(title: "Base") var base: BaseSourceOptions

    @Option(help: .changeList)
    var cl: String?

    @Option(help: .unionDriver)
    var driver: UnionDriver?

    @Option(help: ArgumentHelp("The job id (default: a new run-… id).", valueName: "id"))
    var jobID: String?

    @Flag(help: "Build the revision alone, without the work tree's uncommitted changes.")
    var clean = false

    @Option(help: ArgumentHelp("Where the command starts (default: this directory's place in the view).", valueName: "dir"))
    var workdir: String?

    @Option(help: ArgumentHelp("A host path the command may write (repeatable), e.g. a build cache.", valueName: "path"))
    var writable: [String] = []

    @Option(help: ArgumentHelp("Start from a build tool's recipe (see `scorpio recipes`).", valueName: "name"))
    var recipe: String?

    @Option(help: ArgumentHelp("host (default) or none: an empty network namespace with loopback up.", valueName: "mode"))
    var network: String?

    @Option(help: ArgumentHelp("default, none, or an OCI/Docker JSON profile file.", valueName: "profile"))
    var seccomp: String = "default"

    @Option(help: ArgumentHelp("Run as UID:GID, with the job's whole tree served as theirs.", valueName: "uid:gid"))
    var user: String?

    @Option(help: ArgumentHelp("Where to write the layer (default: artifacts_dir/JOB.tar.gz).", valueName: "path"))
    var artifact: String?

    @Option(help: ArgumentHelp("gzip, zstd or none (config key artifact_compression).", valueName: "kind"))
    var compression: LayerCompression?

    @Option(help: ArgumentHelp("Keep only changed paths matching this glob in the layer (repeatable).", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Leave changed paths matching this glob out of the layer (repeatable).", valueName: "glob"))
    var exclude: [String] = []

    @Flag(help: "Keep the job (its mount is taken down, its upper kept) for `scorpio diff` and `export`.")
    var keep = false

    @Flag(name: .shortAndLong, help: "No start and end lines.")
    var quiet = false

    @Flag(help: "Print the artifact's manifest as JSON on stdout at the end.")
    var json = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    static var quickSyntax: QuickSyntax<RunCommand> {
        BaseSourceOptions.quickSyntax.within(\.base) { $0.base = $1 } + QuickSyntax(
            options: [
                .value("--cl") { $0.cl = $1 }, .value("--driver") { $0.driver = $1 }, .value("--job-id") { $0.jobID = $1 },
                .flag("--clean") { $0.clean = $1 }, .value("--workdir") { $0.workdir = $1 }, .values("--writable") { $0.writable = $1 },
                .value("--recipe") { $0.recipe = $1 }, .value("--network") { $0.network = $1 },
                .value("--seccomp", default: "default") { $0.seccomp = $1 }, .value("--user") { $0.user = $1 },
                .value("--artifact") { $0.artifact = $1 }, .value("--compression") { $0.compression = $1 },
                .values("--include") { $0.include = $1 }, .values("--exclude") { $0.exclude = $1 }, .flag("--keep") { $0.keep = $1 },
                .flag("--quiet", "-q") { $0.quiet = $1 }, .flag("--json") { $0.json = $1 },
            ],
            rest: { $0.command = $1 }
        )
    }

    func validate() throws {
        if command.isEmpty { throw ValidationError("no command: put it after --, e.g. scorpio run -- make") }
        if let network, NetworkMode(rawValue: network) == nil { throw ValidationError("--network \(network): host or none") }
        if let user, FileOwner(user) == nil { throw ValidationError("--user \(user): expected UID:GID, e.g. 1000:1000") }
    }

    func run() throws {
        var loaded: ScorpioConfig
        do { loaded = try global.loadConfigAndStartLogging().config } catch { throw JobRunFailure(error) }
        if let driver { loaded.unionDriver = driver }
        var request = JobRunRequest(command: command, spec: base.jobSpec(cl: cl))
        if let jobID { request.jobID = try JobID.validated(jobID) }
        request.clean = clean
        request.compression = LayerCompression(rawValue: loaded.artifacts.compression.rawValue) ?? .gzip
        if let recipe {
            let book = RecipeBook.standard(forRepositoryAt: base.jobSpec(cl: cl).repository ?? FileManager.default.currentDirectoryPath)
            do { try request.apply(book.recipe(named: recipe)) } catch { throw JobRunFailure(error) }
        }
        request.workingDirectory = workdir.map { FilePath($0) }
        request.writablePaths += writable.map { FilePath($0) }
        if let network { request.network = NetworkMode(rawValue: network) ?? .host }
        request.seccomp = seccomp == "default" ? .default : seccomp == "none" ? .none : .profile(FilePath(seccomp))
        request.user = user.flatMap(FileOwner.init)
        request.artifact = artifact.map { FilePath($0) }
        if let compression { request.compression = compression }
        request.filter.includes += include
        request.filter.excludes += exclude
        request.keep = keep
        let quiet = quiet || json
        let outcome: JobRunOutcome
        do {
            outcome = try JobRunner.run(request, config: loaded, base: base.selection(config: loaded)) { line in
                if !quiet { StandardError.write(line) }
            }
        } catch { throw JobRunFailure(error) }
        if json, let manifest = outcome.manifestJSON { print(manifest) }
        throw ExitCode(outcome.exitStatus)
    }
}

/// Anything that stops a run before its command ran ends `scorpio run` with 125.
struct JobRunFailure: Error, ScorpioFailure {
    let underlying: any Error
    init(_ underlying: any Error) { self.underlying = underlying }
    var description: String { "\(underlying)" }
    var exitStatus: ScorpioExitStatus { .runSetupFailure }
}
