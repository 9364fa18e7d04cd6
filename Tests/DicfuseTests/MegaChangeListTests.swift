import Antares
import Dicfuse
import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

/// Change lists from the Mega server: the file list endpoint and the layer made from it.
@Suite("MegaSource: change lists")
struct MegaChangeListTests {
    @Test func changeListFilesAndTheirLayer() async throws {
        try await withMegaServer { repository, server in
            _ = try repository.git("checkout", "-q", "-b", "cl")
            try repository.write("src/main.c", "int main(void) { return 42; }\n")
            try repository.write("added.txt", "added\n")
            _ = try repository.git("rm", "-q", "empty.txt")
            try repository.commitAll("a change list")
            _ = try repository.git("update-ref", "refs/cl/7", "HEAD")
            _ = try repository.git("checkout", "-q", "main")

            let source = try MegaTreeSource(options: megaTestOptions(server.baseURL))
            let files = try source.changeList("7").sorted { $0.path < $1.path }
            #expect(files.map(\.path) == ["added.txt", "empty.txt", "src/main.c"])
            #expect(files.map(\.action) == [.added, .deleted, .modified])

            let layer = try LayerChanges(megaChangeList: "7", from: source)
            #expect(layer.added == 1 && layer.modified == 1 && layer.deleted == 1)
            let main = layer.entries.first { $0.path == "src/main.c" }
            #expect(main?.content == .file(bytes: Array("int main(void) { return 42; }\n".utf8), executable: false))
            #expect(layer.entries.first { $0.path == "empty.txt" }?.content == .whiteout)

            #expect(throws: SourceError.self) { try source.changeList("999") }
        }
    }
}
