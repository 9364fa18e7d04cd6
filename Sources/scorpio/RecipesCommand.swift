import ArgumentParser
import Foundation
import ScorpioKit

/// `scorpio recipes [NAME] [--json]`.
struct RecipesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipes",
        abstract: "List the build-tool recipes `scorpio run --recipe NAME` can apply, or show one.",
        discussion: """
            A recipe is a TOML file NAME.toml: the host directories a build tool may write (its caches), \
            environment variables, the network policy, and globs for what its layer keeps. Recipes are \
            looked up in the repository's .scorpio/recipes/, then ~/.config/scorpio/recipes/ \
            ($XDG_CONFIG_HOME), /etc/scorpio/recipes/, then those shipped with Scorpio; the first \
            NAME.toml found wins, so a monorepo can override a shipped recipe. See docs/run.md.

            Examples:
              scorpio recipes              Every recipe, with where it comes from.
              scorpio recipes cargo        What --recipe cargo does.
            """
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    @Argument(help: ArgumentHelp("Show this recipe in full.", valueName: "name"))
    var name: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        _ = try global.loadConfigAndStartLogging()
        let book = RecipeBook.standard(forRepositoryAt: FileManager.default.currentDirectoryPath)
        let recipes = try name.map { [try book.recipe(named: $0)] } ?? book.all()
        if json {
            let data = try JSONSerialization.data(withJSONObject: recipes.map(Self.dictionary), options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else if name != nil, let recipe = recipes.first {
            print(Self.details(recipe))
        } else if recipes.isEmpty {
            print("no recipes (searched \(book.searchPath.map(\.string).joined(separator: ", ")))")
        } else {
            let width = recipes.map(\.name.count).max() ?? 0
            for recipe in recipes {
                print("\(recipe.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(recipe.description)")
            }
        }
    }

    private static func dictionary(_ recipe: Recipe) -> [String: Any] {
        [
            "name": recipe.name, "description": recipe.description, "source": recipe.source.string,
            "network": recipe.network?.rawValue as Any, "writable": recipe.writable, "environment": recipe.environment,
            "include": recipe.include, "exclude": recipe.exclude, "compression": recipe.compression?.rawValue as Any,
        ]
    }

    private static func details(_ recipe: Recipe) -> String {
        var lines = ["\(recipe.name): \(recipe.description)", "  from         \(recipe.source)"]
        if let network = recipe.network { lines.append("  network      \(network.rawValue)") }
        for path in recipe.writable { lines.append("  writable     \(path)") }
        for (variable, value) in recipe.environment.sorted(by: { $0.key < $1.key }) { lines.append("  environment  \(variable)=\(value)") }
        for glob in recipe.include { lines.append("  include      \(glob)") }
        for glob in recipe.exclude { lines.append("  exclude      \(glob)") }
        if let compression = recipe.compression { lines.append("  compression  \(compression.rawValue)") }
        return lines.joined(separator: "\n")
    }
}
