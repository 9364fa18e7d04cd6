import ArgumentParser

/// `scorpio` again, for parsing a command line that names a command to run.
///
/// Under a root without a super-command name, ArgumentParser parses every command line twice more,
/// as its own completion-script pseudo-commands, to see whether it asks for a completion script. This
/// root has such a name, so it skips that check (a few percent of a `scorpio mount`: the runtime's
/// conformance lookups those parses made are mostly made by the real parse instead). Only help
/// and error messages show the name, and those are left to ``ScorpioCommand``: a command line that
/// asks for help, for a completion script or for the root itself, or that does not parse, gives nil
/// here and is parsed again under it.
struct ParsingRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: ScorpioCommand.configuration.commandName,
        _superCommandName: "scorpio",
        subcommands: ScorpioCommand.configuration.subcommands
    )

    @OptionGroup var global: GlobalOptions

    /// The command `arguments` name, parsed and validated; nil for anything ``ScorpioCommand`` must
    /// answer itself.
    static func command(from arguments: [String]) -> ParsableCommand? {
        for quick in quickParsers {
            if let command = quick.parse(arguments) { return command }
        }
        guard let parsed = try? parseAsRoot(arguments) else { return nil }
        let parsedType = ObjectIdentifier(type(of: parsed))
        return commandTypes.contains { $0 == parsedType } ? parsed : nil
    }

    /// The commands whose plain command lines ``QuickParsable`` reads, each with its parse specialized: a
    /// call through `any QuickParsable.Type` would run the generic code, which looks conformances up at
    /// run time (a walk of every conformance record each).
    static let quickParsers: [(type: any QuickParsable.Type, parse: @Sendable ([String]) -> ParsableCommand?)] = [
        (MountCommand.self, { MountCommand.quickParse($0) }),
        (RunCommand.self, { RunCommand.quickParse($0) }),
        (UmountCommand.self, { UmountCommand.quickParse($0) }),
    ]

    /// Every subcommand type under the root, at any depth (what is not among them, such as
    /// ArgumentParser's own help command, is not ours to run). An array: a set would cost the first
    /// lookup of a hashable conformance, a scan of every conformance in the binary.
    private static let commandTypes: [ObjectIdentifier] = {
        var types: [ObjectIdentifier] = []
        var pending = configuration.subcommands
        while let next = pending.popLast() {
            types.append(ObjectIdentifier(next))
            pending += next.configuration.subcommands
        }
        return types
    }()
}
