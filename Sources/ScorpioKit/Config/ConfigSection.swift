/// The tables of the sectioned form of `scorpio.toml`. Each sectioned key is another spelling of one
/// flat key (`[antares] upper_root` ≡ `antares_upper_root`); `ConfigKey.all` holds the mapping.
public enum ConfigSection: String, CaseIterable, Sendable, Hashable {
    case server, dicfuse, antares
}

/// A key inside a section: `[antares] upper_root`, written `antares.upper_root` in messages.
public struct SectionedKeyName: Sendable, Hashable, CustomStringConvertible {
    public let section: ConfigSection
    public let key: String

    public static func server(_ key: String) -> SectionedKeyName { SectionedKeyName(section: .server, key: key) }
    public static func dicfuse(_ key: String) -> SectionedKeyName { SectionedKeyName(section: .dicfuse, key: key) }
    public static func antares(_ key: String) -> SectionedKeyName { SectionedKeyName(section: .antares, key: key) }

    /// The TOML dotted spelling, `antares.upper_root`.
    public var description: String { "\(section.rawValue).\(key)" }
}
