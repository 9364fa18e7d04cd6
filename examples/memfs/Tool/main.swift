// scorpio-memfs MOUNTPOINT: serves an empty in-memory filesystem at MOUNTPOINT until Ctrl-C or
// `fusermount3 -u MOUNTPOINT`. A small demonstration of FuseKit.
import FuseKit
import Glibc
import MemFS
import SystemPackage

func printError(_ message: String) {
    let line = message + "\n"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
}

let arguments = CommandLine.arguments
guard arguments.count == 2, !arguments[1].hasPrefix("-") else {
    printError("usage: scorpio-memfs MOUNTPOINT\nServes an in-memory filesystem at MOUNTPOINT until interrupted.")
    exit(2)
}
do {
    SignalUnmounter.install()
    let mount = try FuseMount(MemoryFilesystem(), at: FilePath(arguments[1]), options: MountOptions(fsName: "memfs", subtype: "scorpio-memfs"))
    print("serving an in-memory filesystem at \(mount.mountpoint); Ctrl-C to unmount")
    mount.waitUntilUnmounted()
    SignalUnmounter.exitIfSignalled()
} catch {
    printError("scorpio-memfs: \(error)")
    exit(3)
}
