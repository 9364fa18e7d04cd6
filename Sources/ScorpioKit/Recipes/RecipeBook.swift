import Antares
import Foundation
import SystemPackage

/// The recipes a run can name, from a search path of directories: the first file `NAME.toml` found wins.
///
/// The standard path puts a monorepo's own `.scorpio/recipes/` first, then the user's
/// (`$XDG_CONFIG_HOME/scorpio/recipes`, default `~/.config/scorpio/recipes`), then `/etc/scorpio/recipes`,
/// then the recipes shipped with Scorpio (`recipes/` of the source tree, installed beside the binary).
public struct RecipeBook: Sendable {
    public var searchPath: [FilePath]

    public init(searchPath: [FilePath]) {
        self.searchPath = searchPath
    }

    public static func standard(repository: FilePath?, environment: [String: String] = ProcessInfo.processInfo.environment) -> RecipeBook {
        var path: [FilePath] = []
        if let repository { path.append(repository.appending(".scorpio/recipes")) }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            path.append(FilePath(config).appending("scorpio/recipes"))
        } else if let home = environment["HOME"] {
            path.append(FilePath(home).appending(".config/scorpio/recipes"))
        }
        path.append("/etc/scorpio/recipes")
        path.append(contentsOf: BuiltinRecipes.directories())
        return RecipeBook(searchPath: path)
    }

    /// The standard path for jobs of the git repository containing `directory` (its work tree's
    /// `.scorpio/recipes/` first; a bare repository or no repository has none).
    public static func standard(forRepositoryAt directory: String) -> RecipeBook {
        let root = (try? WorkingTreeChanges(repository: directory).workTreeRoot()) ?? nil
        return standard(repository: root)
    }

    /// The recipe called `name`.
    public func recipe(named name: String) throws(RecipeError) -> Recipe {
        guard Self.isValidName(name) else { throw .invalidName(name) }
        for directory in searchPath {
            let file = directory.appending("\(name).toml")
            if FileManager.default.fileExists(atPath: file.string) { return try RecipeFile.read(file) }
        }
        throw .notFound(name: name, available: names(), searched: searchPath)
    }

    /// Every recipe reachable by name, sorted; a name found twice is the first directory's.
    public func all() throws(RecipeError) -> [Recipe] {
        var recipes: [Recipe] = []
        for name in names() { recipes.append(try recipe(named: name)) }
        return recipes
    }

    private func names() -> [String] {
        var names = Set<String>()
        for directory in searchPath {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.string)) ?? []
            for entry in entries where entry.hasSuffix(".toml") {
                let name = String(entry.dropLast(".toml".count))
                if Self.isValidName(name) { names.insert(name) }
            }
        }
        return names.sorted()
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
