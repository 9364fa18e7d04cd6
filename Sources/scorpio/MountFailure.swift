import ScorpioKit

/// Whatever keeps a mount command (`mount`, `base mount`, `overlay`) from mounting exits with the
/// upstream's mount-failure status 3, in the foreground and the background alike, unless it has a more
/// specific one (a configuration or usage error).
struct MountFailure: ScorpioFailure {
    let underlying: any Error

    var description: String { (underlying as? ScorpioFailure)?.description ?? "\(underlying)" }

    var exitStatus: ScorpioExitStatus {
        let status = (underlying as? ScorpioFailure)?.exitStatus ?? .failure
        return status == .failure ? .mountFailure : status
    }

    /// Runs `mount`, turning its failures into mount failures.
    static func mapping<Result>(_ mount: () throws -> Result) throws -> Result {
        do {
            return try mount()
        } catch let error as MountFailure {
            throw error
        } catch let error as ScorpioFailure {
            throw MountFailure(underlying: error)
        }
    }
}
