@testable import Antares
import Testing

/// The list that keeps a union node's names and a lower origin's places: an array's behaviour, the
/// first element inline.
struct CompactListTests {
    @Test func behavesAsAnArrayThroughAppendsRemovalsAndReplacements() {
        var list: CompactList<Int> = []
        var array: [Int] = []
        #expect(list.isEmpty && list.first == nil && list.count == 0)
        for value in [4, 7, 4, 9, 1] {
            list.append(value)
            array.append(value)
            #expect(Array(list) == array)
        }
        list[0] = 5
        array[0] = 5
        list[3] = 8
        array[3] = 8
        #expect(Array(list) == array && list.firstIndex(of: 8) == 3)
        list.removeAll { $0 == 5 }
        array.removeAll { $0 == 5 }
        #expect(Array(list) == array && list.first == 7, "the head goes and the next one takes its place")
        list.removeAll { _ in true }
        #expect(list.isEmpty && list == [], "empty again, equal to any other empty list")
        list.append(3)
        #expect(list == [3] && list.count == 1)
    }

    @Test func listsWithTheSameElementsAreEqualHoweverTheyWereMade() {
        var removed: CompactList<String> = ["a", "b", "c"]
        removed.removeAll { $0 == "a" }
        var appended: CompactList<String> = []
        appended.append("b")
        appended.append("c")
        #expect(removed == appended)
        #expect(removed != ["c", "b"])
    }
}
