import SystemPackage

/// Why a recipe could not be found, read or applied.
public enum RecipeError: Error, ScorpioFailure, CustomStringConvertible, Equatable {
    case notFound(name: String, available: [String], searched: [FilePath])
    case invalidName(String)
    case unreadable(FilePath, reason: String)
    case invalid(FilePath, key: String, reason: String)
    case undefinedVariable(FilePath, variable: String, in: String)
    case cannotCreate(FilePath, path: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let name, let available, let searched):
            let choices = available.isEmpty ? "no recipes found" : "available: \(available.joined(separator: ", "))"
            return "no recipe named '\(name)' (\(choices); searched \(searched.map(\.string).joined(separator: ", ")))"
        case .invalidName(let name):
            return "'\(name)' is not a recipe name: use letters, digits, '.', '_' and '-'"
        case .unreadable(let file, let reason):
            return "\(file): cannot read the recipe: \(reason)"
        case .invalid(let file, let key, let reason):
            return "\(file): \(key): \(reason)"
        case .undefinedVariable(let file, let variable, let text):
            return "\(file): '\(text)' uses $\(variable), which is not set"
        case .cannotCreate(let file, let path, let reason):
            return "\(file): cannot create the writable directory \(path): \(reason)"
        }
    }

    public var exitStatus: ScorpioExitStatus { .configError }
}
