import ArgumentParser

/// A command whose plain command lines are read without ArgumentParser.
///
/// ArgumentParser learns a command's options by reflection at every start: `Mirror` and a cast of each
/// property wrapper, each a first look-up of a protocol conformance that walks every conformance record
/// of the executable (some 10,000). That was about 4 ms of a 12 ms `scorpio mount` and 6 ms of a 19 ms
/// `scorpio run -q --clean -- true`. A quick-parsable command also lists its options in
/// ``quickSyntax``, which reads the command lines people and scripts write: options (`--at DIR`,
/// `--at=DIR`, `-q`) after the command's name, the global ones before it too, its one argument, and the
/// words after `--` where it takes them. Anything else (help, an unknown option, one given twice
/// that takes one value, a value that looks like an option or is missing, a value the option does not
/// take, a failed validation) is left to ArgumentParser, which parses it as before and gives its own
/// messages. `QuickParsingTests` checks that the syntax names every option ArgumentParser knows and that
/// both parse a set of command lines to the same command.
protocol QuickParsable: ParsableCommand {
    /// The command's own options and groups; the global options are added to them.
    static var quickSyntax: QuickSyntax<Self> { get }
    var global: GlobalOptions { get set }
}

extension QuickParsable {
    /// The command `arguments` run, with the global options before its name (`--config-path F mount
    /// …`) or anywhere after it; nil for anything ArgumentParser must parse.
    static func quickParse(_ arguments: [String]) -> Self? {
        // Other commands' lines are turned away before any syntax is built.
        guard let name = configuration.commandName, arguments.contains(name) else { return nil }
        let syntax = completeQuickSyntax
        guard let words = QuickWords(arguments, command: name, syntax: syntax, globalOptions: GlobalOptions.quickOptionCount)
        else { return nil }
        var command = Self()
        for fresh in syntax.groups { fresh(&command) }
        for (option, values) in zip(syntax.options, words.given) {
            guard option.set(&command, values) else { return nil }
        }
        if let argument = syntax.argument {
            guard words.argument != nil || argument.isOptional else { return nil }
            argument.set(&command, words.argument)
        }
        syntax.rest?(&command, words.rest)
        do {
            for check in syntax.checks { try check(command) }
            try command.validate()
        } catch {
            return nil
        }
        return command
    }

    /// The global options, first, then the command's own.
    static var completeQuickSyntax: QuickSyntax<Self> {
        GlobalOptions.quickSyntax.within(\Self.global) { $0.global = $1 } + quickSyntax
    }
}

/// A command line sorted by a ``QuickSyntax``: the values given to each option, the argument, the words
/// after `--`.
private struct QuickWords {
    /// The values of each of the syntax's options, in its order (a flag's value is "").
    var given: [[String]]
    var argument: String?
    var rest: [String] = []

    /// Nil for a command line that does not name `command`, or that the syntax does not read; the first
    /// `globalOptions` options may also come before the command's name.
    init?<Command>(_ arguments: [String], command: String, syntax: QuickSyntax<Command>, globalOptions: Int) {
        given = [[String]](repeating: [], count: syntax.options.count)
        var named = false
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            index += 1
            if word == "--" {
                guard named, syntax.rest != nil else { return nil }
                rest = Array(arguments[index...])
                break
            }
            guard word.hasPrefix("-") else {
                if !named {
                    guard word == command else { return nil }
                    named = true
                } else {
                    guard argument == nil, syntax.argument != nil else { return nil }
                    argument = word
                }
                continue
            }
            let (name, inline) = word.splitOption()
            guard let option = syntax.options.firstIndex(where: { $0.names.contains(name) }),
                  given[option].isEmpty || syntax.options[option].repeats, named || option < globalOptions
            else { return nil }
            if !syntax.options[option].takesValue {
                guard inline == nil else { return nil }
                given[option].append("")
            } else if let inline {
                guard !inline.isEmpty else { return nil }
                given[option].append(inline)
            } else {
                guard index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                given[option].append(arguments[index])
                index += 1
            }
        }
        guard named else { return nil }
    }
}

/// What ``QuickParsable/quickParse(_:)`` reads of a command: its options, the groups that hold some of
/// them, its one argument and the words after `--`.
struct QuickSyntax<Command> {
    var options: [QuickOption<Command>]
    /// Each sets one of the command's option groups to a new value, before the group's options are set.
    var groups: [(inout Command) -> Void] = []
    /// The groups' validations, as ArgumentParser runs them.
    var checks: [(Command) throws -> Void] = []
    var argument: QuickArgument<Command>? = nil
    /// Sets the words after `--` (none when there is no `--`).
    var rest: ((inout Command, [String]) -> Void)? = nil

    static func + (lhs: QuickSyntax, rhs: QuickSyntax) -> QuickSyntax {
        QuickSyntax(options: lhs.options + rhs.options, groups: lhs.groups + rhs.groups, checks: lhs.checks + rhs.checks,
                    argument: lhs.argument ?? rhs.argument, rest: lhs.rest ?? rhs.rest)
    }
}

extension QuickSyntax where Command: ParsableArguments {
    /// This group's syntax as part of the syntax of `Outer`, which holds the group as `property` and
    /// sets it with `assign`. (A property wrapper not yet given a value fails when it is read, and
    /// setting a property through a key path reads it first.)
    func within<Outer>(
        _ property: WritableKeyPath<Outer, Command>, assign: @escaping (inout Outer, Command) -> Void
    ) -> QuickSyntax<Outer> {
        QuickSyntax<Outer>(
            options: options.map { $0.within(property) },
            groups: [{ assign(&$0, Command()) }],
            checks: [{ outer in
                var group = outer[keyPath: property]
                try group.validate()
            }]
        )
    }
}

/// A command's one argument (`scorpio mount [job-id]`, `scorpio umount job-id`).
struct QuickArgument<Command> {
    let isOptional: Bool
    let set: (inout Command, String?) -> Void

    static func optional(_ assign: @escaping (inout Command, String?) -> Void) -> QuickArgument {
        QuickArgument(isOptional: true, set: assign)
    }

    static func required(_ assign: @escaping (inout Command, String) -> Void) -> QuickArgument {
        QuickArgument(isOptional: false) { command, text in if let text { assign(&command, text) } }
    }
}

/// One option: its names (`--quiet`, `-q`), whether a value follows it, whether it may be given again,
/// and how it sets the command.
struct QuickOption<Command> {
    let names: [String]
    let takesValue: Bool
    let repeats: Bool
    /// Sets the option's property from the values given (a flag's is ""), or to its default when there
    /// are none; false for a value the option does not take.
    let set: (inout Command, [String]) -> Bool

    /// An option with an optional value of a type ArgumentParser reads, set by `assign`.
    static func value<Value: ExpressibleByArgument>(_ name: String, _ assign: @escaping (inout Command, Value?) -> Void) -> QuickOption {
        QuickOption(names: [name], takesValue: true, repeats: false) { command, texts in
            guard let text = texts.first else {
                assign(&command, nil)
                return true
            }
            guard let value = Value(argument: text) else { return false }
            assign(&command, value)
            return true
        }
    }

    /// An option whose value is `initial` unless given.
    static func value<Value: ExpressibleByArgument>(
        _ name: String, default initial: Value, _ assign: @escaping (inout Command, Value) -> Void
    ) -> QuickOption {
        value(name) { (command, value: Value?) in assign(&command, value ?? initial) }
    }

    /// An option that may be given again, each time adding a value; none unless given.
    static func values<Value: ExpressibleByArgument>(
        _ name: String, _ assign: @escaping (inout Command, [Value]) -> Void
    ) -> QuickOption {
        QuickOption(names: [name], takesValue: true, repeats: true) { command, texts in
            var values: [Value] = []
            for text in texts {
                guard let value = Value(argument: text) else { return false }
                values.append(value)
            }
            assign(&command, values)
            return true
        }
    }

    /// A flag that is false unless given, under any of `names`.
    static func flag(_ names: String..., assign: @escaping (inout Command, Bool) -> Void) -> QuickOption {
        QuickOption(names: names, takesValue: false, repeats: false) { command, texts in
            assign(&command, !texts.isEmpty)
            return true
        }
    }

    func within<Outer>(_ property: WritableKeyPath<Outer, Command>) -> QuickOption<Outer> {
        let set = set
        return QuickOption<Outer>(names: names, takesValue: takesValue, repeats: repeats) { outer, texts in
            set(&outer[keyPath: property], texts)
        }
    }
}

private extension String {
    /// `--name=value` as ("--name", "value"); any other word as (word, nil).
    func splitOption() -> (name: String, value: String?) {
        guard let equals = firstIndex(of: "=") else { return (self, nil) }
        return (String(self[..<equals]), String(self[index(after: equals)...]))
    }
}
