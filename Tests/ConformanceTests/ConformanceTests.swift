import Antares
import ScorpioTestSupport
import Testing

/// Kernel overlayfs over plain directories is the oracle (DESIGN §6): every class of cases runs against
/// it and against a Scorpio driver over the same layers, as root and as other uids, and every case
/// whose return values, errno or stat results differ is recorded with a one-line reproduction
/// (docs/conformance.md).
@Suite(.enabled(if: FuseHost.canMount, "needs root (overlayfs, setpriv) and /dev/fuse"))
struct ConformanceTests {
    @Test(arguments: ConformanceSettings.drivers)
    func permissionMatrix(driver: UnionDriverKind) throws {
        try Conformance.check("permissions", PermissionCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func ownershipModesAndTimes(driver: UnionDriverKind) throws {
        try Conformance.check("attributes", AttributeCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func nameAndPathLengths(driver: UnionDriverKind) throws {
        try Conformance.check("names", NameCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func hardLinksAndOpenFiles(driver: UnionDriverKind) throws {
        try Conformance.check("links", LinkCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func renameAcrossLayers(driver: UnionDriverKind) throws {
        try Conformance.check("rename", RenameCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func nodesSymlinksTruncateAndOpenFlags(driver: UnionDriverKind) throws {
        try Conformance.check("files", FileCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func extendedAttributes(driver: UnionDriverKind) throws {
        try Conformance.check("xattrs", XattrCases.all, driver: driver)
    }

    @Test(arguments: ConformanceSettings.drivers)
    func directoryListings(driver: UnionDriverKind) throws {
        try Conformance.check("readdir", ReaddirCases.all, driver: driver)
    }

    /// The harness itself: overlayfs against overlayfs over the same layers agrees on every case of the
    /// classes that watch times, copy-ups and open descriptors (nothing in a transcript may depend on
    /// when or where it ran: absolute times, inode or descriptor numbers, scratch paths).
    @Test func overlayfsAgreesWithItself() throws {
        let cases = RandomSequences.all + AttributeCases.all + LinkCases.all
        let differences = try Conformance.differences("self-check", cases, against: .overlayfs, reproduction: { "CONFORMANCE_CASE='\($0.key)'" }, sourceLocation: #_sourceLocation)
        #expect(differences.isEmpty, "the harness answers differently for the same layers")
        for difference in differences.prefix(3) { Issue.record(Comment(rawValue: difference.report)) }
    }

    @Test(arguments: ConformanceSettings.drivers)
    func randomSequences(driver: UnionDriverKind) throws {
        try Conformance.check("random", RandomSequences.all, driver: driver) { conformanceCase in
            let seed = conformanceCase.name.split(separator: "-").last ?? ""
            return "scripts/conformance --driver DRIVER --seed \(seed) --case '\(conformanceCase.key)'"
        }
    }
}
