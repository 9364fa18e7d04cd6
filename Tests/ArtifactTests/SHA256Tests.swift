@testable import Artifact
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownVectors(input: String, digest: String) {
        var hasher = SHA256()
        hasher.update(Array(input.utf8))
        #expect(hasher.finalizeHex() == digest)
    }

    @Test func feedingInPiecesEqualsFeedingAtOnce() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 300, 500] {
            let end = min(offset + size, bytes.count)
            pieces.update(Array(bytes[offset..<end]))
            offset = end
        }
        #expect(whole.finalizeHex() == pieces.finalizeHex())
    }
}
