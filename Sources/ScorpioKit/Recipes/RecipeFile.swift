import Artifact
import Sandbox
import SystemPackage
import TOMLKit

/// Reads one `NAME.toml` recipe. Unknown keys and wrong types are errors naming the file and the key.
enum RecipeFile {
    static func read(_ path: FilePath) throws(RecipeError) -> Recipe {
        let text: String
        do {
            guard let decoded = String(validating: try path.readContents(), as: UTF8.self) else {
                throw RecipeError.unreadable(path, reason: "not valid UTF-8")
            }
            text = decoded
        } catch let error as RecipeError {
            throw error
        } catch {
            throw .unreadable(path, reason: "\(error)")
        }
        let document: TOMLTable
        do { document = try TOMLTable(string: text) } catch { throw .unreadable(path, reason: "\(error)") }
        return try recipe(named: path.stem ?? "", in: document, file: path)
    }

    static func recipe(named name: String, in document: TOMLTable, file: FilePath) throws(RecipeError) -> Recipe {
        var recipe = Recipe(name: name, source: file)
        for (key, value) in document {
            switch key {
            case "description":
                recipe.description = try string(value, key: key, file: file)
            case "network":
                let text = try string(value, key: key, file: file)
                guard let mode = NetworkMode(rawValue: text) else { throw .invalid(file, key: key, reason: "'\(text)': host or none") }
                recipe.network = mode
            case "writable":
                recipe.writable = try strings(value, key: key, file: file)
            case "environment":
                guard let table = value.table else { throw .invalid(file, key: key, reason: "expected a table: [environment]") }
                for (variable, value) in table {
                    recipe.environment[variable] = try string(value, key: "environment.\(variable)", file: file)
                }
            case "artifact":
                guard let table = value.table else { throw .invalid(file, key: key, reason: "expected a table: [artifact]") }
                for (inner, value) in table {
                    let spelling = "artifact.\(inner)"
                    switch inner {
                    case "include": recipe.include = try strings(value, key: spelling, file: file)
                    case "exclude": recipe.exclude = try strings(value, key: spelling, file: file)
                    case "compression":
                        let text = try string(value, key: spelling, file: file)
                        guard let kind = LayerCompression(rawValue: text) else {
                            throw .invalid(file, key: spelling, reason: "'\(text)': gzip, zstd or none")
                        }
                        recipe.compression = kind
                    default:
                        throw .invalid(file, key: spelling, reason: "unknown key (known: include, exclude, compression)")
                    }
                }
            default:
                throw .invalid(file, key: key, reason: "unknown key (known: description, network, writable, [environment], [artifact])")
            }
        }
        return recipe
    }

    private static func string(_ value: any TOMLValueConvertible, key: String, file: FilePath) throws(RecipeError) -> String {
        guard let text = value.string else { throw .invalid(file, key: key, reason: "expected a string") }
        return text
    }

    private static func strings(_ value: any TOMLValueConvertible, key: String, file: FilePath) throws(RecipeError) -> [String] {
        guard let array = value.array else { throw .invalid(file, key: key, reason: "expected an array of strings") }
        var result: [String] = []
        for element in array {
            guard let text = element.string else { throw .invalid(file, key: key, reason: "expected an array of strings") }
            result.append(text)
        }
        return result
    }
}
