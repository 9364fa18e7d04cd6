/// The id mappings of a new user namespace: capabilities inside it are worth nothing outside (no host
/// network administration, no module loading), whatever ids the job sees.
public struct UserNamespace: Sendable, Equatable {
    /// `count` ids from `inside` in the namespace are `outside` on the host.
    public struct IDMapping: Sendable, Equatable {
        public var inside: UInt32
        public var outside: UInt32
        public var count: UInt32

        public init(inside: UInt32, outside: UInt32, count: UInt32) {
            self.inside = inside
            self.outside = outside
            self.count = count
        }
    }

    public var uidMappings: [IDMapping]
    public var gidMappings: [IDMapping]

    public init(uidMappings: [IDMapping], gidMappings: [IDMapping]) {
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }

    /// Every id maps to itself: files keep their owners, the namespace only takes host capabilities away.
    public static let identity = UserNamespace(
        uidMappings: [IDMapping(inside: 0, outside: 0, count: UInt32.max)],
        gidMappings: [IDMapping(inside: 0, outside: 0, count: UInt32.max)])

    /// The text of /proc/PID/uid_map or gid_map.
    static func mapText(_ mappings: [IDMapping]) -> String {
        mappings.map { "\($0.inside) \($0.outside) \($0.count)\n" }.joined()
    }
}
