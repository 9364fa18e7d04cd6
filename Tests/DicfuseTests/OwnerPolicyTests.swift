@testable import Dicfuse
import Glibc
import Testing

/// Owners a directory source records are reported unless the process cannot represent them.
struct OwnerPolicyTests {
    /// What `unshare -Urm` run by uid 1000 maps: only its own id, as 0.
    static let ownIDOnly = IDRanges(mapText: "         0       1000          1\n")

    @Test func idsOutsideTheNamespaceMapAreReportedAsTheProcesssOwn() {
        var options = DicfuseOptions()
        options.uid = 77
        options.gid = 88
        var policy = OwnerPolicy(options)
        policy.mappedUIDs = Self.ownIDOnly
        policy.mappedGIDs = Self.ownIDOnly
        policy.processUID = 0
        policy.processGID = 0
        #expect(policy.owner(sourceUID: 65534, sourceGID: 65534) == (0, 0), "unmapped (the overflow id) → the process's own")
        #expect(policy.owner(sourceUID: 0, sourceGID: 65534) == (0, 0))
        #expect(policy.owner(sourceUID: 0, sourceGID: 0) == (0, 0), "the caller's own id stays")
    }

    @Test func theInitialNamespaceRepresentsEveryID() {
        let ranges = IDRanges(mapText: "         0          0 4294967295\n")
        #expect(ranges.contains(0) && ranges.contains(1234) && ranges.contains(65534) && ranges.contains(4_294_967_294))
        #expect(!Self.ownIDOnly.contains(1) && Self.ownIDOnly.contains(0))
        let split = IDRanges(mapText: "0 1000 1\n1 100000 65536\n")
        #expect(split.contains(65536) && !split.contains(65537))
    }

    @Test func overridingReportsTheConfiguredOwnerForEveryEntry() {
        var options = DicfuseOptions()
        options.uid = 77
        options.gid = 88
        options.overridesSourceOwners = true
        let policy = OwnerPolicy(options)
        #expect(policy.owner(sourceUID: 1234, sourceGID: 5678) == (77, 88))
        options.overridesSourceOwners = false
        #expect(OwnerPolicy(options).owner(sourceUID: 1234, sourceGID: 5678) == (1234, 5678))
    }

    @Test func aRecordStaysFortyBytesWithRoomForMetadata() {
        #expect(MemoryLayout<InodeTable.Record>.stride == 40, "a git dictionary entry costs what it did")
    }
}
