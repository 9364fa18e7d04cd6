import ArgumentParser

/// `--cl`, for the commands that make a job: a change list's files over the base.
struct ChangeListOption: ParsableArguments {
    @Option(help: ArgumentHelp("Change list: its files over the base (a ref by cl_ref_pattern, default refs/cl/{cl}, or any revision).", valueName: "cl"))
    var cl: String?
}
