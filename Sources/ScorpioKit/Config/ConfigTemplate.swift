import SystemPackage

/// The commented `scorpio.toml` that `scorpio config init` writes: every key, set to its default.
public enum ConfigTemplate {
    public static func render() -> String {
        var lines = [
            "# scorpio.toml: configuration of Scorpio \(Scorpio.version).",
            "#",
            "# Every key is listed with its default. Delete the ones you do not change, so that",
            "# new defaults reach you. Each key can also be set by an environment variable,",
            "# SCORPIO_<KEY> (e.g. SCORPIO_LOG_LEVEL=debug), and some by command-line flags.",
            "# Precedence: flags > environment > this file > defaults.",
            "# Keys marked \"or [section] name\" may instead be written in that table, e.g.",
            "#   [antares]",
            "#   upper_root = \"/srv/scorpio/upper\"     # same as antares_upper_root",
        ]
        let defaults = ScorpioConfig()
        for group in ConfigKey.groups {
            lines += ["", "# ── \(group.title) ──"]
            for key in group.keys {
                var facts = ["\(key.typeName)", "env \(key.environmentVariable)"]
                if let sectioned = key.sectionedName { facts.append("or [\(sectioned.section.rawValue)] \(sectioned.key)") }
                lines += [
                    "",
                    "# \(key.summary)",
                    "# (\(facts.joined(separator: "; ")))",
                    "\(key.name) = \(key.value(in: defaults).tomlLiteral)",
                ]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the template to `path`, creating missing parent directories. Refuses to replace an
    /// existing file unless `overwrite` is true.
    public static func write(to path: FilePath, overwrite: Bool) throws(ConfigTemplateError) {
        if path.exists && !overwrite { throw .fileExists(path) }
        do {
            try AtomicFileWriter.createDirectories(path.removingLastComponent())
            try AtomicFileWriter.write(Array(render().utf8), to: path)
        } catch {
            throw .writeFailed(path, reason: error.description)
        }
    }
}

public enum ConfigTemplateError: ScorpioFailure, Equatable {
    case fileExists(FilePath)
    case writeFailed(FilePath, reason: String)

    public var exitStatus: ScorpioExitStatus { .failure }

    public var description: String {
        switch self {
        case .fileExists(let path): return "\(path.string) already exists; pass --force to overwrite it"
        case .writeFailed(let path, let reason): return "cannot write \(path.string): \(reason)"
        }
    }
}
