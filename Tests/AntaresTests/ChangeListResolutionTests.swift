import Antares
import Dicfuse
import ScorpioTestSupport
import SystemPackage
import Testing

/// Finding a CL's commit and naming what went wrong when there is none.
struct ChangeListResolutionTests {
    @Test func resolvesThroughTheReferencePattern() throws {
        let fixture = try ChangeListRepository()
        let changeLists = GitChangeList(repository: fixture.path.string)
        #expect(changeLists.reference(of: "456") == "refs/cl/456")
        #expect(try changeLists.commit(of: "456").hex == fixture.commit("refs/cl/456"))

        let byBranch = GitChangeList(repository: fixture.path.string, referencePattern: "refs/heads/{cl}")
        #expect(try byBranch.commit(of: "cl789").hex == fixture.commit("cl789"))
    }

    @Test func fallsBackToAnyRevParseExpression() throws {
        let fixture = try ChangeListRepository()
        let changeLists = GitChangeList(repository: fixture.path.string)
        #expect(try changeLists.commit(of: "cl456").hex == fixture.commit("cl456"))
        #expect(try changeLists.commit(of: "main~1").hex == fixture.commit("v1"))
        #expect(try changeLists.commit(of: String(fixture.commit("cl789").prefix(10))).hex == fixture.commit("cl789"))
    }

    @Test func unknownChangeListNamesItselfTheReferenceAndTheRepository() throws {
        let fixture = try ChangeListRepository()
        let changeLists = GitChangeList(repository: fixture.path.string)
        let error = #expect(throws: ChangeListError.self) { try changeLists.changes(of: "999", over: "main") }
        guard case .changeListNotFound(let name, let reference, let repository) = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(name == "999" && reference == "refs/cl/999")
        #expect(repository.hasPrefix(fixture.path.string))
        let message = error!.description
        #expect(message.contains("cl 999") && message.contains("refs/cl/999") && message.contains(fixture.path.string), "\(message)")
    }

    @Test func unknownBaseAndMissingRepositoryAreNamed() throws {
        let fixture = try ChangeListRepository()
        let error = #expect(throws: ChangeListError.self) {
            try GitChangeList(repository: fixture.path.string).changes(of: "456", over: "no-such-branch")
        }
        #expect(error?.description.contains("no-such-branch") == true)

        let missing = fixture.scratch.path.appending("nowhere").string
        let noRepository = #expect(throws: ChangeListError.self) { try GitChangeList(repository: missing).commit(of: "456") }
        #expect(noRepository?.description.contains(missing) == true)
    }

    @Test func changesAreRelativeToTheMergeBase() throws {
        let fixture = try ChangeListRepository()
        let resolved = try GitChangeList(repository: fixture.path.string).changes(of: "789", over: "main")
        #expect(resolved.name == "789")
        #expect(resolved.commit.hex == fixture.commit("cl789"))
        #expect(resolved.mergeBase.hex == fixture.commit("v1"))
        #expect(Set(resolved.changes.entries.map(\.path.string)) == ["cl789.txt", "odd dir/a+b#c d.txt", "run.sh"])
        #expect(resolved.changes.added == 1 && resolved.changes.modified == 1 && resolved.changes.deleted == 1)
    }
}
