import ArgumentParser
import ScorpioKit

/// `--driver`, for the commands that mount a union: which driver, over config key `union_driver`.
struct UnionDriverOption: ParsableArguments {
    @Option(help: ArgumentHelp("Union driver: auto, fuse or kernel (config key union_driver).", valueName: "driver"))
    var driver: UnionDriver?
}

extension UnionDriver: ExpressibleByArgument {
    public static var allValueStrings: [String] { rawValues }
    public static var allValueDescriptions: [String: String] { [:] }
}
