import Foundation
import ScorpioKit
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite("recipes")
struct RecipeTests {
    @Test func everyShippedRecipeReadsAndNamesAWritableCache() throws {
        let book = RecipeBook.standard(repository: nil, environment: ["HOME": "/home/someone"])
        let recipes = try book.all()
        let shipped: Set = ["make", "cmake", "cargo", "go", "swift", "bazel", "buck2"]
        let names = Set(recipes.map(\.name))
        #expect(names.isSuperset(of: shipped), "\(names)")
        for recipe in recipes where shipped.contains(recipe.name) {
            #expect(!recipe.description.isEmpty, "\(recipe.name)")
            #expect(!recipe.writable.isEmpty, "\(recipe.name) keeps a cache")
        }
    }

    @Test func aRepositorysRecipeShadowsAShippedOneOfTheSameName() throws {
        try withTemporaryDirectory { directory in
            try createDirectories(directory.appending(".scorpio/recipes"))
            try write("description = \"our make\"\n", to: directory.appending(".scorpio/recipes/make.toml"))
            let book = RecipeBook.standard(repository: directory, environment: [:])
            let make = try book.recipe(named: "make")
            #expect(make.description == "our make")
            #expect(make.source == directory.appending(".scorpio/recipes/make.toml"))
            #expect(try book.all().filter { $0.name == "make" }.count == 1)
        }
    }

    @Test func mistakesInARecipeNameTheFileAndTheKey() throws {
        try withTemporaryDirectory { directory in
            let book = RecipeBook(searchPath: [directory])
            let cases: [(String, String)] = [
                ("netwrk = \"none\"\n", "netwrk: unknown key"),
                ("network = \"off\"\n", "network: 'off': host or none"),
                ("writable = \"/cache\"\n", "writable: expected an array of strings"),
                ("[artifact]\ncompression = \"lz4\"\n", "artifact.compression: 'lz4': gzip, zstd or none"),
                ("[environment]\nJOBS = 4\n", "environment.JOBS: expected a string"),
                ("description = \n", "cannot read the recipe"),
            ]
            for (text, message) in cases {
                try write(text, to: directory.appending("bad.toml"))
                let error = #expect(throws: RecipeError.self) { try book.recipe(named: "bad") }
                #expect(error?.description.contains("\(directory)/bad.toml") == true, "\(String(describing: error))")
                #expect(error?.description.contains(message) == true, "\(String(describing: error)) should say \(message)")
            }
            #expect(throws: RecipeError.invalidName("../x")) { try book.recipe(named: "../x") }
        }
    }

    @Test func applyingARecipeExpandsCreatesAndMerges() throws {
        try withTemporaryDirectory { directory in
            let recipe = Recipe(
                name: "t", source: directory.appending("t.toml"), network: NetworkMode.none, writable: ["~/cache", "${ROOT}/shared/objects"],
                environment: ["CACHE": "$HOME/cache", "LITERAL": "cost $ 5"], include: ["out"], exclude: ["*.log"], compression: .zstd)
            var request = JobRunRequest(command: ["true"], spec: JobSpec())
            request.filter.excludes = ["*.tmp"]
            try request.apply(recipe, environment: ["HOME": "\(directory)/home", "ROOT": directory.string])
            #expect(request.writablePaths == [FilePath("\(directory)/home/cache"), directory.appending("shared/objects")])
            #expect(FileManager.default.fileExists(atPath: "\(directory)/shared/objects"), "a missing cache directory is created")
            #expect(request.environment == ["CACHE": "\(directory)/home/cache", "LITERAL": "cost $ 5"])
            #expect(request.network == .none)
            #expect(request.compression == .zstd)
            #expect(request.filter.includes == ["out"] && request.filter.excludes == ["*.tmp", "*.log"])

            var unset = JobRunRequest(command: ["true"], spec: JobSpec())
            #expect(throws: RecipeError.undefinedVariable(recipe.source, variable: "ROOT", in: "${ROOT}/shared/objects")) {
                try unset.apply(recipe, environment: ["HOME": "/h"])
            }
        }
    }
}
