import ArgumentParser
import Foundation
import Testing
@testable import scorpio

/// `scorpio mount`'s command lines read without ArgumentParser (``QuickParsable``) give the command
/// ArgumentParser gives, and every option ArgumentParser knows is read.
@Suite("quick parsing")
struct QuickParsingTests {
    static let plainLines: [[String]] = [
        ["mount"],
        ["mount", "build-42"],
        ["--config-path", "/etc/scorpio/a.toml", "mount", "job", "--repo", "/srv/repo.git", "--driver", "kernel", "--at", "/tmp/view"],
        ["--log-level", "debug", "--store-path", "/s", "mount", "--cl", "456"],
        ["mount", "job", "--config-path", "/c.toml", "--log-level", "trace", "--upper-root", "/u", "--cl-root", "/cl",
         "--mount-root", "/m", "--state-file", "/state.toml", "--store-path", "/store"],
        ["mount", "--rev", "main", "--path", "services/api", "build-43"],
        ["mount", "--at=/tmp/ws", "--rev=main~3"],
        ["mount", "build-45", "--user", "1000:1000", "--foreground"],
        ["mount", "build-44", "--daemon", "http://127.0.0.1:2726", "--path", "services/api", "--cl", "456"],
        ["mount", "--source", "dir", "--dir", "/srv/tree", "--driver", "fuse"],
        ["mount", "--source", "git", "--driver", "auto"],
        ["mount", "--at", "", "j"],
        ["mount", "--at", "/a=b"],
        ["mount", "--at=-x"],
        ["--config-path", "mount", "mount"],
    ]

    @Test(arguments: plainLines)
    func aPlainCommandLineGivesTheCommandArgumentParserGives(_ line: [String]) throws {
        let quick = try #require(MountCommand.quickParse(line), "read quickly: \(line)")
        let reference = try #require(try ParsingRoot.parseAsRoot(line) as? MountCommand)
        #expect(String(describing: quick) == String(describing: reference))
        #expect(ParsingRoot.command(from: line).map { String(describing: $0) } == String(describing: reference))
    }

    static let linesLeftToArgumentParser: [[String]] = [
        [], ["mount", "--help"], ["mount", "-h"], ["help", "mount"], ["mount", "--help-hidden"], ["mount", "--version"],
        ["mount", "--bogus"], ["mount", "-x"], ["mount", "--at"], ["mount", "--at", "--rev", "main"], ["mount", "--at", "-v"],
        ["mount", "--driver", "neither"], ["mount", "--source", "svn"], ["mount", "--source", "GIT"], ["mount", "--user", "builder"], ["mount", "a", "b"],
        ["mount", "--", "a"], ["mount", "--foreground=yes"], ["mount", "--rev="], ["mount", "--at", "x", "--at", "y"],
        ["--log-level", "debug", "mount", "--log-level", "info"], ["--at", "/x", "mount"], ["umount", "job"],
        ["mount", "--daemon", "http://127.0.0.1:2726", "--at", "/x"], ["base", "mount"], ["mountx"],
    ]

    @Test(arguments: linesLeftToArgumentParser)
    func anyOtherCommandLineIsLeftToArgumentParser(_ line: [String]) {
        #expect(MountCommand.quickParse(line) == nil, "\(line)")
    }

    @Test func whatArgumentParserRejectsIsStillRejected() {
        for line in [["mount", "--driver", "neither"], ["mount", "--user", "builder"], ["mount", "a", "b"], ["mount", "--at"]] {
            #expect(ParsingRoot.command(from: line) == nil, "\(line)")
            #expect(throws: (any Error).self) { try ScorpioCommand.parseAsRoot(line) }
        }
    }

    /// Every option in ArgumentParser's description of the command (its own and its groups') is in the
    /// quick syntax as a long option that takes a value or not as ArgumentParser's does, and the syntax
    /// has no other: an option added to the command without its quick entry fails here.
    @Test(arguments: ParsingRoot.quickParsable.map { QuickCommand($0) })
    func theQuickSyntaxReadsEveryOptionArgumentParserKnows(_ command: QuickCommand) throws {
        let described = try #require(try JSONSerialization.jsonObject(with: Data(command.type._dumpHelp().utf8)) as? [String: Any])
        let arguments = try #require((described["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
        var options: [String: Bool] = [:]
        var positionals = 0
        for argument in arguments {
            let kind = try #require(argument["kind"] as? String)
            let names = (argument["names"] as? [[String: String]] ?? []).compactMap { name in
                name["kind"] == "long" ? "--" + name["name"]! : name["kind"] == "short" ? "-" + name["name"]! : nil
            }
            if kind == "positional" { positionals += 1; continue }
            if names.contains("--help") { continue }
            #expect(names.count == 1 && names[0].hasPrefix("--"), "\(names): only one long name is read quickly")
            for name in names { options[name] = kind == "option" }
        }
        #expect(options == command.options, "ArgumentParser's options against the quick syntax's")
        #expect(positionals == (command.hasArgument ? 1 : 0))
    }
}

/// A quick-parsable command's options as its quick syntax, with the global ones, names them.
struct QuickCommand: CustomStringConvertible, Sendable {
    let type: any QuickParsable.Type
    let options: [String: Bool]
    let hasArgument: Bool

    init(_ type: any QuickParsable.Type) {
        self.type = type
        (options, hasArgument) = Self.syntax(type)
    }

    private static func syntax<Command: QuickParsable>(_: Command.Type) -> ([String: Bool], Bool) {
        let syntax = GlobalOptions.quickSyntax.within(\Command.global) { $0.global = $1 } + Command.quickSyntax
        return (Dictionary(uniqueKeysWithValues: syntax.options.map { ($0.name, $0.takesValue) }), syntax.argument != nil)
    }

    var description: String { type.configuration.commandName ?? "\(type)" }
}
