import ScorpioKit
import SystemPackage
import Testing

@Suite("Unknown keys")
struct UnknownKeyTests {
    @Test func typoGetsASuggestion() throws {
        let error = expectConfigError { _ = try load(file: "dicfuse_reply_tll_secs = 3\n") }
        guard case .unknownKey(let key, _, let suggestion) = error else {
            Issue.record("expected unknownKey, got \(String(describing: error))")
            return
        }
        #expect(key == "dicfuse_reply_tll_secs")
        #expect(suggestion == "dicfuse_reply_ttl_secs")
        #expect(error?.message.hasSuffix("; did you mean dicfuse_reply_ttl_secs?") == true)
    }

    @Test func unrelatedNameGetsNoSuggestion() throws {
        let error = expectConfigError { _ = try load(file: "completely_unrelated = 1\n") }
        guard case .unknownKey(let key, let file, let suggestion) = error else {
            Issue.record("expected unknownKey, got \(String(describing: error))")
            return
        }
        #expect(key == "completely_unrelated")
        #expect(file.lastComponent == "scorpio.toml")
        #expect(suggestion == nil)
        #expect(error?.message.contains("did you mean") == false)
    }

    @Test func typoInsideASection() throws {
        let error = expectConfigError { _ = try load(file: "[antares]\nuper_root = \"/x\"\n") }
        #expect(error?.message.hasPrefix("unknown key antares.uper_root in ") == true)
        #expect(error?.message.hasSuffix("did you mean antares.upper_root?") == true)
    }

    @Test func sectionKeyWrittenAtTopLevel() throws {
        let error = expectConfigError { _ = try load(file: "upper_root = \"/x\"\n") }
        #expect(error?.message.hasSuffix("did you mean antares.upper_root?") == true)
    }

    @Test func flatKeyWrittenInsideASection() throws {
        let error = expectConfigError { _ = try load(file: "[antares]\nantares_upper_root = \"/x\"\n") }
        #expect(error?.message.hasSuffix("did you mean antares_upper_root?") == true)
    }

    @Test func unknownSection() throws {
        let error = expectConfigError { _ = try load(file: "[antaers]\nupper_root = \"/x\"\n") }
        #expect(error?.message.hasPrefix("unknown key antaers in ") == true)
        #expect(error?.message.hasSuffix("did you mean antares?") == true)
    }
}
