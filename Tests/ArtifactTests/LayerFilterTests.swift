import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct LayerFilterTests {
    @Test func globsMatchPathsComponentsAndAncestors() {
        let filter = PathFilter(includes: ["tools", "*.o"], excludes: ["*/blob*"])
        #expect(filter.keeps("tools/run.sh"))
        #expect(filter.keeps("build/new.o"))
        #expect(!filter.keeps("tools/blob"))
        #expect(!filter.keeps("src/main.c"))
        #expect(PathFilter(excludes: ["build"]).keeps("buildings/x"))
        #expect(!PathFilter(excludes: ["build"]).keeps("build/x"))
        #expect(!PathFilter(excludes: ["/src/*.c"]).keeps("src/main.c"))
        #expect(PathFilter.everything.keeps("anything/at/all"))
    }

    @Test func includesAndExcludesChooseWhatTheLayerHolds() throws {
        let fixture = try LayerFixture()
        let (layer, summary) = try fixture.write(filter: PathFilter(includes: ["tools", "docs"], excludes: ["*.sh"]))
        #expect(try tarNames(layer) == ["docs/.wh.README", "tools/", "tools/blob", "tools/blob-again", "tools/main-link"])
        #expect(summary.counts.deleted == 1)
        #expect(summary.counts.added == 4)
    }

    @Test func aHardLinkWhoseFirstPathIsExcludedCarriesTheContent() throws {
        let fixture = try LayerFixture()
        let (layer, _) = try fixture.write(filter: PathFilter(excludes: ["tools/blob"]))
        let entries = try readLayer(layer)
        let again = try #require(entries.first { $0.name == "tools/blob-again" })
        #expect(again.hardlink == nil)
        #expect(again.size == 200_000)
    }
}
