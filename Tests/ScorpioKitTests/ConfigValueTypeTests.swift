import ScorpioKit
import Testing

@Suite("Config value types")
struct ConfigValueTypeTests {
    @Test(arguments: [
        ("1048576", 1_048_576), ("512K", 512 << 10), ("512M", 512 << 20), ("10G", 10 << 30),
        ("10g", 10 << 30), ("10GiB", 10 << 30), ("10GB", 10 << 30), ("1T", 1 << 40), (" 64M ", 64 << 20),
    ])
    func byteCountParsing(text: String, bytes: Int) {
        #expect(ByteCount(parsing: text) == ByteCount(bytes: bytes))
    }

    @Test(arguments: ["", "G", "10X", "-5", "1.5G", "10 G", "99999999999999999999", "9999999999P"])
    func byteCountRejects(text: String) {
        #expect(ByteCount(parsing: text) == nil)
    }

    @Test func byteCountSpellsItselfShortAndExact() {
        #expect(ByteCount.gibibytes(10).description == "10G")
        #expect(ByteCount.mebibytes(1536).description == "1536M")
        #expect(ByteCount(bytes: 1000).description == "1000")
        #expect(ByteCount(parsing: ByteCount(bytes: 123_456_789).description) == ByteCount(bytes: 123_456_789))
    }

    @Test func sizeKeysAcceptIntegersAndStrings() throws {
        #expect(try load(file: "store_max_bytes = 4096").config.storeMaxBytes == ByteCount(bytes: 4096))
        #expect(try load(file: "store_max_bytes = \"2G\"").config.storeMaxBytes == .gibibytes(2))
        #expect(try load(file: nil, environment: ["SCORPIO_STORE_MAX_BYTES": "512M"]).config.storeMaxBytes == .mebibytes(512))
    }

    @Test(arguments: [
        ("127.0.0.1:2726", BindAddress.tcp(host: "127.0.0.1", port: 2726)),
        ("[::1]:80", .tcp(host: "::1", port: 80)),
        ("localhost:0", .tcp(host: "localhost", port: 0)),
        ("unix:/run/scorpio.sock", .unixSocket("/run/scorpio.sock")),
    ])
    func bindAddressParsing(text: String, address: BindAddress) {
        #expect(BindAddress(parsing: text) == address)
        #expect(address.description == text)
        #expect(address.isLoopback)
    }

    @Test(arguments: ["127.0.0.1", ":80", "host:", "host:65536", "::1:80", "unix:", "a b:80", "host:8o"])
    func bindAddressRejects(text: String) {
        #expect(BindAddress(parsing: text) == nil)
    }

    @Test func nonLoopbackAddresses() {
        #expect(BindAddress(parsing: "0.0.0.0:2726")?.isLoopback == false)
        #expect(BindAddress(parsing: "10.1.2.3:2726")?.isLoopback == false)
    }

    @Test func choicesAreCaseInsensitiveAndHaveAliases() throws {
        #expect(try load(file: "log_level = \"WARN\"").config.logLevel == .warning)
        #expect(try load(file: "artifact_compression = \"Zstd\"").config.artifacts.compression == .zstd)
    }

    @Test func emptyOptionalValuesMeanUnset() throws {
        let loaded = try load(file: "repo = \"\"\nlfs_url = \"\"\n")
        #expect(loaded.config.treeSource.repository == nil)
        #expect(loaded.config.server.lfsURL == nil)
    }

    @Test func everyDefaultSurvivesEncodeAndDecode() throws {
        var config = ScorpioConfig()
        for key in ConfigKey.all {
            try key.apply(key.defaultValue, to: &config)
        }
        #expect(config == ScorpioConfig())
    }

    @Test func tomlStringsAreEscaped() {
        #expect(ConfigRawValue.string("a\"b\\c\nd").tomlLiteral == #""a\"b\\c\nd""#)
    }

    @Test func exitStatusesMatchTheDesign() {
        let statuses: [(ScorpioExitStatus, Int32)] = [
            (.success, 0), (.failure, 1), (.configError, 2), (.usageError, 2), (.mountFailure, 3),
            (.httpBindFailure, 4), (.runSetupFailure, 125), (.commandNotExecutable, 126), (.commandNotFound, 127),
        ]
        for (status, code) in statuses {
            #expect(status.rawValue == code)
        }
    }
}
