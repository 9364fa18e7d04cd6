import Artifact
import ScorpioTestSupport
import SystemPackage
import Testing

@Suite struct SpecialFileTests {
    @Test func fifosAndDevicesKeepTheirTypeAndSocketsAreLeftOut() throws {
        let scratch = try Scratch()
        let tree = scratch.directory("tree")
        try run(
            """
            set -e
            cd '\(tree)'
            mkfifo pipe
            mknod null-like c 1 3
            chmod 644 pipe null-like
            python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('sock')"
            """)
        let layer = scratch.path.appending("special.tar")
        let summary = try OCILayerWriter(compression: .none).write(LayerChange.additions(under: tree), to: layer)
        let entries = try readLayer(layer)
        #expect(entries.map(\.name) == ["null-like", "pipe"])
        #expect(entries.first?.mode == 0o020644)
        #expect(entries.last?.mode == 0o010644)
        #expect(summary.counts.added == 2)
        let device = try run("tar --numeric-owner -tvf '\(layer)' null-like")
        #expect(device.hasPrefix("crw-r--r-- 0/0"))
        #expect(device.contains(" 1,3 "))
    }
}
