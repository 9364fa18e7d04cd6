#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// The configured `fuse_device` is the FUSE character device (10:229) and opens read-write.
struct FuseDeviceCheck: DoctorCheck {
    static let name = "fuse device"
    static let expectedNumbers: (major: UInt32, minor: UInt32) = (10, 229)

    func run(in context: DoctorContext) -> DoctorFinding {
        let device = context.config.fuseDevice
        guard let status = FileStatus(path: device) else {
            return .failed(Self.name, "fuse_device \(device.string) does not exist",
                           fix: "set fuse_device to the FUSE device (normally /dev/fuse); if /dev/fuse is missing, "
                               + "load the module with `modprobe fuse`, or start the container with `--device /dev/fuse`")
        }
        guard status.isCharacterDevice else {
            return .failed(Self.name, "fuse_device \(device.string) is \(status.kindDescription), not a character device",
                           fix: "set fuse_device to the FUSE device, normally /dev/fuse")
        }
        let numbers = status.deviceNumbers
        guard numbers == Self.expectedNumbers else {
            return .failed(Self.name, "fuse_device \(device.string) is character device \(numbers.major):\(numbers.minor), "
                               + "not FUSE (10:229)",
                           fix: "set fuse_device to the FUSE device, normally /dev/fuse")
        }
        let descriptor = open(device.string, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = Errno(rawValue: errno).description
            return .failed(Self.name, "\(device.string) cannot be opened read-write: \(reason)",
                           fix: "run as root, or give this user read-write access to \(device.string) "
                               + "(some distributions make it mode 0666)")
        }
        close(descriptor)
        return .passed(Self.name, "\(device.string): character device 10:229, opens read-write")
    }
}
