/// Seeded random cases: layers filled at random over a small pool of names (files, directories and
/// whiteouts in each layer, opaque directories, assorted modes and owners), then a random sequence of
/// operations over the same names. A seed makes the same case again (`scripts/conformance --seed N`).
enum RandomSequences {
    static let topNames = ["a", "b", "c", "d"]
    static let childNames = ["x", "y"]
    static let pool = topNames + topNames.flatMap { top in childNames.map { "\(top)/\($0)" } }
    static let steps = 30

    static var all: [ConformanceCase] {
        ConformanceSettings.seeds.flatMap { seed in Caller.standard.map { make(seed: seed, as: $0) } }
    }

    static func make(seed: UInt64, as caller: Caller) -> ConformanceCase {
        var random = SplitMix64(seed: seed)
        let otherOwner = Caller.other.identity
        func owner() -> Identity? { random.chance(1, in: 5) ? otherOwner : nil }
        var entries: [LayerEntry] = []
        for layer in Layer.allCases.reversed() {
            for top in topNames {
                switch random.below(10) {
                case 0..<4: break
                case 4..<7:
                    entries.append(.file(top, in: layer, "\(layer)-\(top)", mode: random.pick([0o644, 0o600, 0o755, 0o444, 0o666]), owner: owner()))
                case 7..<9:
                    let opaque = layer != .lowest && random.chance(1, in: 4)
                    // A whiteout in a directory that continues in no layer below it (or is opaque) is a
                    // state overlayfs never makes: it would list it and refuse to remove the directory.
                    let continuesBelow = !opaque && entries.last(where: { $0.path == top })?.isDirectory == true
                    entries.append(.directory(top, in: layer, mode: random.pick([0o755, 0o700, 0o777, 0o1777, 0o2775, 0o555]), owner: owner(), opaque: opaque))
                    for child in childNames {
                        switch random.below(6) {
                        case 0..<2: break
                        case 2..<4: entries.append(.file("\(top)/\(child)", in: layer, "\(layer)-\(child)", owner: owner()))
                        case 4: entries.append(.directory("\(top)/\(child)", in: layer, owner: owner()))
                        default: if continuesBelow { entries.append(.whiteout("\(top)/\(child)", in: layer)) }
                        }
                    }
                default:
                    if layer != .lowest { entries.append(.whiteout(top, in: layer)) }
                }
            }
        }
        var operations: [Operation] = []
        while operations.count < steps { operations += randomOperation(&random, caller: caller) }
        return ConformanceCase("random/seed-\(seed)", as: caller, entries: entries, watch: pool, operations)
    }

    private static func randomOperation(_ random: inout SplitMix64, caller: Caller) -> [Operation] {
        let path = ScriptPath.inCase(random.pick(pool))
        let target = ScriptPath.inCase(random.pick(pool))
        let ids = [Int(caller.uid), Int(Caller.other.uid), -1]
        switch random.below(22) {
        case 0: return [.open(1, path, random.pick(["CREAT|WRONLY|TRUNC", "CREAT|WRONLY|APPEND", "WRONLY", "CREAT|EXCL|RDWR"])), .write(1, "w\(random.below(100))"), .close(1)]
        case 1: return Operation.readWhole(path)
        case 2: return [.mkdir(path, random.pick([0o755, 0o700, 0o2777]))]
        case 3: return [.rmdir(path)]
        case 4: return [.unlink(path)]
        case 5, 6: return [.rename(path, target, random.pick(RenameFlag.allCases))]
        case 7: return [.link(path, target)]
        case 8: return [.symlink(random.pick(pool), path)]
        case 9: return [.chmod(path, random.pick([0o644, 0o600, 0o755, 0o4755, 0o2755, 0o1777, 0o000]))]
        case 10: return [.chown(path, random.pick(ids), random.pick(ids))]
        case 11: return [.truncate(path, random.pick([0, 3, 20]))]
        case 12: return [.utimens(path, random.pick(["1500000000.5", "omit"]), "1500000001.25")]
        case 13: return [.setxattr(path, random.pick(["user.a", "user.b"]), "v\(random.below(10))")]
        case 14: return [.getxattr(path, random.pick(["user.a", "user.b"])), .listxattr(path)]
        case 15: return [.removexattr(path, "user.a")]
        case 16: return [.readdir(random.chance(1, in: 3) ? "" : path)]
        case 17: return [.mkfifo(path)]
        // A descriptor kept open across later steps (slot 5), written and fstat'd while its name changes.
        case 18: return [.open(5, path, random.pick(["RDWR", "RDONLY", "CREAT|RDWR"]))]
        case 19: return [.write(5, "k"), .fstat(5)]
        case 20: return [.stat(path), .access(path, random.pick(["r", "w", "x", "rw"]))]
        default: return [.close(5)]
        }
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same case everywhere.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { below(denominator) < numerator }
    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}
