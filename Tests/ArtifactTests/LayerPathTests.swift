@testable import Artifact
import Testing

@Suite struct LayerPathTests {
    @Test(arguments: [
        ("a/b/c", "a/b/c"), ("/a//b/", "a/b"), ("./a/./b", "a/b"), ("a/.../b", "a/.../b"), ("..a/b.", "..a/b."), (".hidden", ".hidden"),
    ])
    func normalizesPaths(path: String, expected: String) {
        #expect(LayerPath.normalized(path) == expected)
    }

    @Test(arguments: ["", "/", ".", "./", "..", "a/..", "../a", "a/../b"])
    func refusesPathsThatAreEmptyOrClimbOut(path: String) {
        #expect(LayerPath.normalized(path) == nil)
    }

    @Test func ordersComponentWiseWithADirectoryRightBeforeItsChildren() {
        let paths = ["a/b", "a-b", "a", "b", "a/b/c", "a.b", "a/a", "ab", "é", "a/b-c"]
        #expect(paths.sorted(by: LayerPath.precedes) == ["a", "a/a", "a/b", "a/b/c", "a/b-c", "a-b", "a.b", "ab", "b", "é"])
        #expect(!LayerPath.precedes("a", "a"))
    }
}
