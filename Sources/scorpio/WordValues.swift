/// The words an option of a word-valued type accepts, for its help and completions.
///
/// The option types list them through this rather than ArgumentParser's defaults, which build a key path
/// and compare every value's description with its raw value: about a million instructions per type, paid
/// at every start of the command line because the option tables are built before parsing.
extension CaseIterable where Self: RawRepresentable<String> {
    static var rawValues: [String] { allCases.map { $0.rawValue } }
}
