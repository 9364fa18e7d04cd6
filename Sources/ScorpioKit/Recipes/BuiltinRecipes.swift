import Foundation
import ScorpioRecipes
import SystemPackage

/// Where the recipes shipped with Scorpio are: the resource directory the package manager puts next to
/// the binary, or `share/scorpio/recipes` beside an installed binary's `bin/`.
enum BuiltinRecipes {
    static func directories() -> [FilePath] {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return [] }
        let binary = FilePath(executable).removingLastComponent()
        return [binary.appending(ScorpioRecipes.bundleName), binary.removingLastComponent().appending("share/scorpio/recipes")]
    }
}
