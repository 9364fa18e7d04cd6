import SystemPackage

/// Expands `$VAR`, `${VAR}` and a leading `~` in a recipe's paths and values from the caller's environment.
enum RecipeExpansion {
    static func expand(_ text: String, environment: [String: String], file: FilePath) throws(RecipeError) -> String {
        var result = ""
        var rest = Substring(text)
        if rest == "~" || rest.hasPrefix("~/") {
            guard let home = environment["HOME"] else { throw .undefinedVariable(file, variable: "HOME", in: text) }
            result = home
            rest = rest.dropFirst()
        }
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            let name: Substring
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else { throw .undefinedVariable(file, variable: String(rest), in: text) }
                name = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
                name = rest[..<end]
                rest = rest[end...]
            }
            if name.isEmpty {
                result += "$"
                continue
            }
            guard let value = environment[String(name)] else { throw .undefinedVariable(file, variable: String(name), in: text) }
            result += value
        }
        return result + rest
    }
}
