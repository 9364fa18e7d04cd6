import ArgumentParser

/// A command whose plain command lines are read without ArgumentParser.
///
/// ArgumentParser learns a command's options by reflection at every start: `Mirror` and a cast of each
/// property wrapper, each a first look-up of a protocol conformance that walks every conformance record
/// of the executable (some 10,000). That is about 4 ms of a `scorpio mount` of 12. A quick-parsable
/// command also lists its long options in ``quickSyntax``, which reads the command lines people and
/// scripts write: long options (`--at DIR`, `--at=DIR`) before or after the command's name (the
/// global ones) or after it, and its one optional argument. Anything else (help, a short or unknown
/// option, an option given twice, a value that looks like an option or is missing, `--`, a value the option does
/// not take, a failed validation) is left to ArgumentParser, which parses it as before and gives its
/// own messages. `QuickParsingTests` checks that the syntax names every option ArgumentParser knows and
/// that both parse a set of command lines to the same command.
protocol QuickParsable: ParsableCommand {
    /// The command's own options and groups; the global options are added to them.
    static var quickSyntax: QuickSyntax<Self> { get }
    var global: GlobalOptions { get set }
}

extension QuickParsable {
    /// The command `arguments` run, with the global options before its name (`--config-path F mount
    /// …`) or anywhere after it; nil for anything ArgumentParser must parse.
    static func quickParse(_ arguments: [String]) -> Self? {
        let global = GlobalOptions.quickSyntax.within(\Self.global) { $0.global = $1 }
        let syntax = global + quickSyntax
        var given = [String?](repeating: nil, count: syntax.options.count)
        var argument: String?
        var named = false
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("-") else {
                if !named {
                    guard word == configuration.commandName else { return nil }
                    named = true
                } else {
                    guard argument == nil, syntax.argument != nil else { return nil }
                    argument = word
                }
                continue
            }
            let (name, inline) = word.splitOption()
            guard let option = syntax.options.firstIndex(where: { $0.name == name }), given[option] == nil,
                  named || option < global.options.count
            else { return nil }
            if !syntax.options[option].takesValue {
                guard inline == nil else { return nil }
                given[option] = ""
            } else if let inline {
                guard !inline.isEmpty else { return nil }
                given[option] = inline
            } else {
                guard index < arguments.endIndex, !arguments[index].hasPrefix("-") else { return nil }
                given[option] = arguments[index]
                index += 1
            }
        }
        guard named else { return nil }
        var command = Self()
        for fresh in syntax.groups { fresh(&command) }
        for (option, value) in zip(syntax.options, given) {
            guard option.set(&command, value) else { return nil }
        }
        syntax.argument?(&command, argument)
        do {
            for check in syntax.checks { try check(command) }
            try command.validate()
        } catch {
            return nil
        }
        return command
    }
}

/// What ``QuickParsable/quickParse(_:)`` reads of a command: its long options, the groups that hold
/// some of them, and its optional argument.
struct QuickSyntax<Command> {
    var options: [QuickOption<Command>]
    /// Each sets one of the command's option groups to a new value, before the group's options are set.
    var groups: [(inout Command) -> Void] = []
    /// The groups' validations, as ArgumentParser runs them.
    var checks: [(Command) throws -> Void] = []
    /// Sets the optional argument.
    var argument: ((inout Command, String?) -> Void)? = nil

    static func + (lhs: QuickSyntax, rhs: QuickSyntax) -> QuickSyntax {
        QuickSyntax(options: lhs.options + rhs.options, groups: lhs.groups + rhs.groups, checks: lhs.checks + rhs.checks,
                    argument: lhs.argument ?? rhs.argument)
    }
}

extension QuickSyntax where Command: ParsableArguments {
    /// This group's syntax as part of the syntax of `Outer`, which holds the group as `property` and
    /// sets it with `assign`. (A property wrapper not yet given a value fails when it is read, and
    /// setting a property through a key path reads it first.)
    func within<Outer>(_ property: WritableKeyPath<Outer, Command>, assign: @escaping (inout Outer, Command) -> Void) -> QuickSyntax<Outer> {
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

/// One long option: its name (`--at`), whether a value follows it, and how it sets the command.
struct QuickOption<Command> {
    let name: String
    let takesValue: Bool
    /// Sets the option's property from its value, or to its default when `value` is nil (the option was
    /// not given); false for a value the option does not take. A flag's value is "".
    let set: (inout Command, String?) -> Bool

    /// An option with an optional value of a type ArgumentParser reads, set by `assign`.
    static func value<Value: ExpressibleByArgument>(_ name: String, _ assign: @escaping (inout Command, Value?) -> Void) -> QuickOption {
        QuickOption(name: name, takesValue: true) { command, text in
            guard let text else {
                assign(&command, nil)
                return true
            }
            guard let value = Value(argument: text) else { return false }
            assign(&command, value)
            return true
        }
    }

    /// A flag that is false unless given, set by `assign`.
    static func flag(_ name: String, _ assign: @escaping (inout Command, Bool) -> Void) -> QuickOption {
        QuickOption(name: name, takesValue: false) { command, text in
            assign(&command, text != nil)
            return true
        }
    }

    func within<Outer>(_ property: WritableKeyPath<Outer, Command>) -> QuickOption<Outer> {
        let set = set
        return QuickOption<Outer>(name: name, takesValue: takesValue) { outer, text in set(&outer[keyPath: property], text) }
    }
}

private extension String {
    /// `--name=value` as ("--name", "value"); any other word as (word, nil).
    func splitOption() -> (name: String, value: String?) {
        guard let equals = firstIndex(of: "=") else { return (self, nil) }
        return (String(self[..<equals]), String(self[index(after: equals)...]))
    }
}
