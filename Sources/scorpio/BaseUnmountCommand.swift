import ArgumentParser
import ScorpioKit
import SystemPackage

/// `scorpio base unmount DIR`.
struct BaseUnmountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unmount",
        abstract: "Stop serving a base mounted with `scorpio base mount`.",
        discussion: "A mount in use fails unless --lazy: then it is detached at once and ends when its last user leaves. A mount whose server died is detached."
    )

    @Argument(help: ArgumentHelp("The mounted directory.", valueName: "dir"))
    var mountpoint: String

    @Flag(help: "Detach even if busy.")
    var lazy = false

    func run() throws {
        let path = FilePath(mountpoint)
        if try MountTable.detachIfDead(path) {
            print("scorpio: detached \(mountpoint) (its server had gone)")
            return
        }
        try MountTable.unmount(path, lazy: lazy)
    }
}
