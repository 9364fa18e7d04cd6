import Artifact
import Foundation
import SystemPackage

extension JobRunRequest {
    /// Takes `recipe`'s settings as this run's starting point: its writable directories (created when
    /// missing), environment, network policy, layer filter and compression. Apply flags given on the
    /// command line after this, so they win.
    public mutating func apply(_ recipe: Recipe, environment: [String: String] = ProcessInfo.processInfo.environment) throws(RecipeError) {
        for path in recipe.writable {
            let expanded = try RecipeExpansion.expand(path, environment: environment, file: recipe.source)
            guard expanded.hasPrefix("/") else {
                throw .invalid(recipe.source, key: "writable", reason: "'\(path)' is not an absolute path")
            }
            do {
                try FileManager.default.createDirectory(atPath: expanded, withIntermediateDirectories: true)
            } catch {
                throw .cannotCreate(recipe.source, path: expanded, reason: error.localizedDescription)
            }
            writablePaths.append(FilePath(expanded))
        }
        for (variable, value) in recipe.environment {
            self.environment[variable] = try RecipeExpansion.expand(value, environment: environment, file: recipe.source)
        }
        if let network = recipe.network { self.network = network }
        if let compression = recipe.compression { self.compression = compression }
        filter.includes += recipe.include
        filter.excludes += recipe.exclude
    }
}
