import ArgumentParser
import Foundation
import Testing
@testable import scorpio

/// The command lines of `scorpio mount`, `run` and `umount` read without ArgumentParser
/// (``QuickParsable``) give the command ArgumentParser gives, and every option ArgumentParser knows is
/// read.
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
        ["run", "--", "make", "-j8"],
        ["run", "--cl", "456", "--network", "none", "--", "make", "all"],
        ["run", "--clean", "--rev", "v1.2", "--artifact", "out/build.tar.zst", "--compression", "zstd", "--", "./build.sh"],
        ["run", "--recipe", "cargo", "--", "cargo", "build", "--release"],
        ["run", "--driver", "kernel", "--keep", "--", "make"],
        ["--config-path", "/c.toml", "run", "--clean", "--", "true"],
        ["run", "-q", "--json", "--writable", "/cache/a", "--writable=/cache/b", "--include", "out/**", "--exclude", "*.o",
         "--exclude", "*.d", "--", "sh", "-c", "make -- all"],
        ["run", "--seccomp", "none", "--user", "1000:1000", "--workdir", "sub", "--job-id", "r1", "--path", "lib", "--", "id"],
        ["run", "--quiet", "--seccomp=/etc/profile.json", "--", "echo", "--", "-x"],
        ["umount", "build-42"],
        ["--config-path", "/c.toml", "umount", "--keep-upper", "job"],
        ["umount", "job", "--lazy", "--state-file", "/s.toml"],
        ["umount", "job", "--daemon", "http://127.0.0.1:2726", "--keep-upper"],
    ]

    @Test(arguments: plainLines)
    func aPlainCommandLineGivesTheCommandArgumentParserGives(_ line: [String]) throws {
        let quick = try #require(Self.quickParse(line), "read quickly: \(line)")
        let reference = try ParsingRoot.parseAsRoot(line)
        #expect(type(of: quick) == type(of: reference))
        #expect(String(describing: quick) == String(describing: reference))
        #expect(ParsingRoot.command(from: line).map { String(describing: $0) } == String(describing: reference))
    }

    static let linesLeftToArgumentParser: [[String]] = [
        [], ["mount", "--help"], ["mount", "-h"], ["help", "mount"], ["mount", "--help-hidden"], ["mount", "--version"],
        ["mount", "--bogus"], ["mount", "-x"], ["mount", "--at"], ["mount", "--at", "--rev", "main"], ["mount", "--at", "-v"],
        ["mount", "--driver", "neither"], ["mount", "--source", "svn"], ["mount", "--source", "GIT"], ["mount", "--user", "builder"],
        ["mount", "a", "b"], ["mount", "--", "a"], ["mount", "--foreground=yes"], ["mount", "--rev="], ["mount", "--at", "x", "--at", "y"],
        ["--log-level", "debug", "mount", "--log-level", "info"], ["--at", "/x", "mount"], 
        ["mount", "--daemon", "http://127.0.0.1:2726", "--at", "/x"], ["base", "mount"], ["mountx"],
        ["umount"], ["umount", "a", "b"], ["umount", "job", "--daemon", "http://127.0.0.1:2726", "--lazy"], ["umount", "--lazy"],
        ["run"], ["run", "make"], ["run", "--"], ["run", "--seccomp"], ["run", "-q", "-q", "--", "x"], ["run", "-qv", "--", "x"],
        ["run", "--network", "wifi", "--", "x"], ["run", "--compression", "lz4", "--", "x"], ["run", "-h"], ["run", "--help", "--", "x"],
        ["run", "--clean=true", "--", "x"], ["run", "--writable", "--", "x"], ["--clean", "run", "--", "x"],
    ]

    @Test(arguments: linesLeftToArgumentParser)
    func anyOtherCommandLineIsLeftToArgumentParser(_ line: [String]) {
        #expect(Self.quickParse(line) == nil, "\(line)")
    }

    @Test func whatArgumentParserRejectsIsStillRejected() {
        for line in [["mount", "--driver", "neither"], ["mount", "--user", "builder"], ["mount", "a", "b"], ["mount", "--at"],
                     ["run", "make"], ["run", "--network", "wifi", "--", "x"]] {
            #expect(ParsingRoot.command(from: line) == nil, "\(line)")
            #expect(throws: (any Error).self) { try ScorpioCommand.parseAsRoot(line) }
        }
    }

    /// Every option in ArgumentParser's description of the command (its own and its groups') is in the
    /// quick syntax under the same names, taking a value, or several, as ArgumentParser's does, and the
    /// syntax has no other; so are its arguments. An option added to the command without its quick
    /// entry fails here.
    @Test(arguments: ParsingRoot.quickParsers.map { QuickCommand($0.type) })
    func theQuickSyntaxReadsEveryOptionArgumentParserKnows(_ command: QuickCommand) throws {
        let described = try #require(try JSONSerialization.jsonObject(with: Data(command.type._dumpHelp().utf8)) as? [String: Any])
        let arguments = try #require((described["command"] as? [String: Any])?["arguments"] as? [[String: Any]])
        var options: Set<QuickCommand.Option> = []
        var positionals: [String] = []
        for argument in arguments {
            let kind = try #require(argument["kind"] as? String)
            if kind == "positional" {
                let optional = argument["isOptional"] as? Bool ?? false
                positionals.append((argument["parsingStrategy"] as? String ?? "default") + (optional ? " optional" : ""))
                continue
            }
            let names = (argument["names"] as? [[String: String]] ?? []).map { name in
                (name["kind"] == "long" ? "--" : name["kind"] == "short" ? "-" : "-?") + name["name"]!
            }
            if names.contains("--help") { continue }
            options.insert(QuickCommand.Option(names: names.sorted(), takesValue: kind == "option", repeats: argument["isRepeating"] as? Bool ?? false))
        }
        #expect(options == command.options, "ArgumentParser's options against the quick syntax's")
        #expect(positionals == command.positionals)
    }

    /// The command a quick-parsable command reads `line` as, if any does.
    static func quickParse(_ line: [String]) -> ParsableCommand? {
        for quick in ParsingRoot.quickParsers {
            if let command = quick.parse(line) { return command }
        }
        return nil
    }
}

/// A quick-parsable command's options and arguments as its quick syntax, with the global options,
/// names them.
struct QuickCommand: CustomStringConvertible, Sendable {
    struct Option: Hashable, Sendable {
        let names: [String]
        let takesValue: Bool
        let repeats: Bool
    }

    let type: any QuickParsable.Type
    let options: Set<Option>
    /// ArgumentParser's parsing strategy of each argument, and whether it is optional: "default" for
    /// the argument, "postTerminator optional" for the words after `--`.
    let positionals: [String]

    init(_ type: any QuickParsable.Type) {
        self.type = type
        (options, positionals) = Self.syntax(type)
    }

    private static func syntax<Command: QuickParsable>(_: Command.Type) -> (Set<Option>, [String]) {
        let syntax = Command.completeQuickSyntax
        let options = syntax.options.map { Option(names: $0.names.sorted(), takesValue: $0.takesValue, repeats: $0.repeats) }
        let argument = syntax.argument.map { ["default" + ($0.isOptional ? " optional" : "")] } ?? []
        return (Set(options), argument + (syntax.rest == nil ? [] : ["postTerminator optional"]))
    }

    var description: String { type.configuration.commandName ?? "\(type)" }
}
