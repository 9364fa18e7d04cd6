@testable import FuseKit
import CFuse
import Testing

struct ConnectionSettingsTests {
    private func kernelOffer() -> fuse_conn_info {
        var conn = fuse_conn_info()
        conn.proto_major = 7
        conn.proto_minor = 38
        conn.capable = UInt32.max
        conn.want = UInt32(FUSE_CAP_ASYNC_READ | FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO)
        conn.max_write = UInt32.max
        conn.max_readahead = 1 << 17
        return conn
    }

    @Test func mountOptionsDecideWhatIsWanted() {
        var options = MountOptions(fsName: "x", subtype: "y")
        options.writebackCache = false
        options.readdirPlus = .always
        options.maxWrite = 1 << 20
        var settings = ConnectionSettings(kernelOffer())
        settings.apply(options)
        #expect(!settings.wanted.contains(.writebackCache))
        #expect(settings.wanted.contains(.readdirPlus))
        #expect(!settings.wanted.contains(.readdirPlusAuto))
        #expect(settings.wanted.contains(.parallelDirectoryOperations))
        #expect(settings.wanted.isSuperset(of: [.spliceWrite, .spliceMove]), "read replies are spliced into the device (libfuse's SPLICE_WRITE)")
        #expect(!settings.wanted.contains(.spliceRead), "requests are read from the device without splice unless spliceWrite is set")
        #expect(settings.wanted.contains(.asyncRead), "libfuse's defaults stay")
        #expect(settings.maxWrite == 1 << 20)
        #expect(settings.maxReadahead == 1 << 17, "never more than the kernel offers")
    }

    @Test func capabilitiesTheKernelLacksAreNeverWanted() {
        var offer = kernelOffer()
        offer.capable = UInt32(FUSE_CAP_ASYNC_READ)
        var options = MountOptions(fsName: "x", subtype: "y")
        options.writebackCache = true
        options.readdirPlus = .auto
        var settings = ConnectionSettings(offer)
        settings.apply(options)
        var stored = offer
        settings.store(into: &stored)
        #expect(stored.want == UInt32(FUSE_CAP_ASYNC_READ))
    }

    @Test func argumentsCarryTheMountOptions() {
        var options = MountOptions(fsName: "base@1234", subtype: "scorpio")
        options.readOnly = true
        options.allowOther = true
        options.extraOptions = ["max_read=131072"]
        #expect(options.arguments == ["scorpio", "-o", "fsname=base@1234,subtype=scorpio,ro,default_permissions,allow_other,max_read=131072"])
    }
}
