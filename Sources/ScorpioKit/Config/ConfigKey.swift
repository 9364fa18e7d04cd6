import SystemPackage

/// One setting of `scorpio.toml`: its names, its type, and the property of `ScorpioConfig` it sets.
public struct ConfigKey: Sendable, Hashable, Identifiable, CustomStringConvertible {
    /// The flat name, as upstream spells it: `antares_upper_root`.
    public let name: String
    /// The same key in the sectioned form, if it has one: `[antares] upper_root`.
    public let sectionedName: SectionedKeyName?
    /// What the key holds: "path", "seconds", "fast|accurate".
    public let typeName: String
    /// One sentence for templates and docs.
    public let summary: String
    /// True for values `config show` must not print (tokens).
    public let isSecret: Bool

    private let assign: @Sendable (inout ScorpioConfig, ConfigRawValue) throws(ConfigValueRejection) -> Void
    private let read: @Sendable (ScorpioConfig) -> ConfigRawValue

    /// `property` is made on first use: a key path is built at run time, and a command uses a few keys
    /// of the table.
    public init<Value>(
        _ name: String,
        _ property: @autoclosure @escaping @Sendable () -> WritableKeyPath<ScorpioConfig, Value> & Sendable,
        _ codec: ConfigValueCodec<Value>,
        also sectionedName: SectionedKeyName? = nil,
        secret: Bool = false,
        _ summary: String
    ) {
        self.name = name
        self.sectionedName = sectionedName
        self.typeName = codec.typeName
        self.summary = summary
        self.isSecret = secret
        self.assign = { config, raw throws(ConfigValueRejection) in config[keyPath: property()] = try codec.decode(raw) }
        self.read = { config in codec.encode(config[keyPath: property()]) }
    }

    public var id: String { name }
    public var description: String { name }

    /// `SCORPIO_` and the key upper-cased: `SCORPIO_ANTARES_UPPER_ROOT`.
    public var environmentVariable: String { "SCORPIO_" + name.uppercased() }

    /// The key's value in `config`, in canonical written form.
    public func value(in config: ScorpioConfig) -> ConfigRawValue {
        read(config)
    }

    /// The key's default, in canonical written form.
    public var defaultValue: ConfigRawValue {
        read(ScorpioConfig())
    }

    /// Checks `raw` against the key's type and stores it in `config`.
    public func apply(_ raw: ConfigRawValue, to config: inout ScorpioConfig) throws(ConfigValueRejection) {
        try assign(&config, raw)
    }

    public static func == (lhs: ConfigKey, rhs: ConfigKey) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension ConfigKey {
    /// The key with this flat name.
    public static func named(_ name: String) -> ConfigKey? {
        ConfigKeyIndex.byName[name]
    }

    /// The key with this sectioned name (`[antares] upper_root`).
    public static func named(_ key: String, in section: ConfigSection) -> ConfigKey? {
        ConfigKeyIndex.bySectionedName[SectionedKeyName(section: section, key: key)]
    }

    /// Every flat key name, then every sectioned name in dotted form.
    static var allSpellings: [String] {
        all.map(\.name) + all.compactMap { $0.sectionedName?.description }
    }
}

/// The keys by name, each table built at its first use: the sectioned spellings are rare, and their
/// table's first lookup of `SectionedKeyName`'s hashing walks every conformance record of the executable.
private enum ConfigKeyIndex {
    static let byName = Dictionary(ConfigKey.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    static let bySectionedName = Dictionary(ConfigKey.all.compactMap { key in key.sectionedName.map { ($0, key) } },
                                            uniquingKeysWith: { first, _ in first })
}
