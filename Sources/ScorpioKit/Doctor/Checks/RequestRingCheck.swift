import FuseKit
import SystemPackage

/// Whether the kernel offers FUSE over io_uring, which shared bases and fuse-driver unions use to answer
/// each request on the CPU that asked. Optional: without it they serve over /dev/fuse.
struct RequestRingCheck: DoctorCheck {
    static let name = "fuse over io_uring"

    func run(in context: DoctorContext) -> DoctorFinding {
        guard FileStatus(path: FuseMount.requestRingSwitch) != nil else {
            return .passed(Self.name, "not in this kernel (Linux 6.14+); bases and fuse-driver unions serve over "
                               + "/dev/fuse")
        }
        guard FuseMount.kernelOffersRequestRing else {
            return .warning(Self.name, "the fuse module's enable_uring is off; bases and fuse-driver unions serve over "
                                + "/dev/fuse, cold reads of a warm store take ~30 % longer",
                            fix: "as root: echo Y > \(FuseMount.requestRingSwitch.string) (scripts/setup does this)")
        }
        return .passed(Self.name, "on: shared bases and fuse-driver unions answer each request on the CPU "
                               + "that asked")
    }
}
