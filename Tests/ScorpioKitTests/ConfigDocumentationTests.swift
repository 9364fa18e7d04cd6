import Foundation
import ScorpioKit
import SystemPackage
import Testing

@Suite("docs/configuration.md")
struct ConfigDocumentationTests {
    static var documentation: String? {
        let repository = FilePath(#filePath).removingLastComponent().removingLastComponent().removingLastComponent()
        return try? String(contentsOfFile: repository.appending("docs/configuration.md").string, encoding: .utf8)
    }

    @Test("documents every key with its default, variable and sectioned name", arguments: ConfigKey.all)
    func documentsKey(key: ConfigKey) throws {
        let text = try #require(Self.documentation, "docs/configuration.md is missing")
        let row = try #require(text.split(separator: "\n").first { $0.hasPrefix("| `\(key.name)`") }, "no row for \(key.name)")
        #expect(row.contains("`\(key.defaultValue.tomlLiteral)`"), "default of \(key.name)")
        #expect(row.contains("`\(key.environmentVariable)`"))
        if let sectioned = key.sectionedName {
            #expect(row.contains("`[\(sectioned.section.rawValue)] \(sectioned.key)`"))
        }
    }
}
