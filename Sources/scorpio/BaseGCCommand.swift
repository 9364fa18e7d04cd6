import ArgumentParser
import ScorpioKit

/// `scorpio base gc`: end idle shared bases now.
struct BaseGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "End every shared base no job holds, now, instead of after base_linger.",
        discussion: "Bases in use are left alone; a base whose server died is cleaned away."
    )

    @OptionGroup(title: "Global options") var global: GlobalOptions

    func run() throws {
        let config = try global.loadConfigAndStartLogging().config
        let ended = SharedBases(config: config).collectIdle()
        if ended.isEmpty { print("scorpio: no idle base") }
        for base in ended { print("scorpio: ended \(base.identity) (\(base.revision))") }
    }
}
