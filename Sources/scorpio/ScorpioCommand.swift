import ArgumentParser
import ScorpioKit

/// `scorpio`: the root command. It only dispatches; each subcommand lives in its own file.
struct ScorpioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scorpio",
        abstract: "Run build jobs in ephemeral copy-on-write views of a monorepo.",
        discussion: """
            Scorpio mounts a lazy, copy-on-write view of a monorepo at a revision (plus an \
            optional change list) for each job, runs the job in it, and keeps exactly what \
            the job wrote.

            Configuration comes from scorpio.toml (write one with `scorpio config init`), from \
            SCORPIO_<KEY> environment variables, and from the global options below. Flags win \
            over the environment, the environment over the file, the file over the defaults. \
            The file is --config-path, else $SCORPIO_CONFIG, else ./scorpio.toml, else \
            ~/.config/scorpio/scorpio.toml, else /etc/scorpio/scorpio.toml.

            Examples:
              scorpio doctor           Can this host run jobs? If not, what to fix.
              scorpio config init      Write ./scorpio.toml: every key, its default.
              scorpio config show      Effective values and where each came from.
              scorpio run -- make      Build in a sandboxed copy-on-write view; keep what it wrote.
              scorpio recipes          Presets for make, cmake, cargo, go, swift, bazel, buck2.
              scorpio mount build-42   A job's copy-on-write view of this repository's HEAD.
              scorpio list             Jobs, their state and mountpoints.
              scorpio serve            The HTTP mount API for CI runners (127.0.0.1:2726).
              scorpio base mount /mnt/head --rev HEAD   This repository's HEAD, read-only, lazily.
              scorpio --upper-root /srv/upper config show
              SCORPIO_LOG=debug scorpio doctor --json

            Exit status: 0 success, 1 failure, 2 configuration or usage error, \
            3 mount or unmount failure, 4 HTTP bind failure.
            """,
        version: Scorpio.version,
        subcommands: [RunCommand.self, RecipesCommand.self, ServeCommand.self, MountCommand.self, HTTPMountCommand.self, UmountCommand.self, ListCommand.self, DiffCommand.self, ExportCommand.self, OverlayCommand.self, BaseCommand.self, StoreCommand.self, ConfigCommand.self, DoctorCommand.self]
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions
}
