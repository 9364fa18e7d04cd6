import Dispatch
import Foundation
import Glibc
@testable import Sandbox
import ScorpioTestSupport
import Synchronization
import Testing

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(3)))
struct SignalTests {
    /// How a run that is sent signals went.
    private enum Outcome: Equatable {
        case ended(SandboxResult)
        case neverReady
        case didNotEnd
    }

    /// Runs `script` on a thread of its own (not a pool's, which the rest of the suite may keep busy);
    /// once it created `ready`, delivers `signals` as if this process had received them. The whole
    /// suite on two cores can keep a sandbox from starting for tens of seconds; a signal sent before
    /// then would not be the one the test means, so the test waits up to 100 s for it, then 40 s for
    /// the run to end.
    private func run(_ script: String, delivering signals: [Int32]) throws -> Outcome {
        let workspace = try Workspace()
        let spec = workspace.spec("exec >out 2>err; \(script)")
        let initPID = Mutex<pid_t?>(nil)
        let outcome = Mutex<Result<SandboxResult, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let result = Result { try SandboxProcess.run(spec, whenStarted: { pid in initPID.withLock { $0 = pid } }) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        let readyBy = ContinuousClock.now + .seconds(100)
        var pid: pid_t?
        while ContinuousClock.now < readyBy {
            pid = initPID.withLock { $0 }
            if pid != nil, access("\(workspace.source)/ready", F_OK) == 0 { break }
            pid = nil
            usleep(10_000)
        }
        guard let pid else {
            _ = finished.wait(timeout: .now() + 40)
            return .neverReady
        }
        for signalNumber in signals { SignalForwarding.deliver(signalNumber, to: pid) }
        guard finished.wait(timeout: .now() + 40) == .success else { return .didNotEnd }
        return .ended(try outcome.withLock { $0 }!.get())
    }

    @Test func terminateIsForwardedToTheCommand() throws {
        let result = try run("trap 'exit 42' TERM; touch ready; sleep 20 & wait", delivering: [SIGTERM])
        #expect(result == .ended(SandboxResult(exitStatus: 42, setupError: nil)))
    }

    @Test func secondInterruptKillsTheSandbox() throws {
        let result = try run("trap '' INT; touch ready; sleep 20", delivering: [SIGINT, SIGINT])
        #expect(result == .ended(SandboxResult(exitStatus: 137, setupError: nil)))
    }

    @Test func forwardingHandlersAreInstalledWhileASandboxRuns() throws {
        let workspace = try Workspace()
        let handlers = Mutex<[Int]>([])
        let result = try SandboxProcess.run(workspace.spec("true")) { _ in
            let installed = [SIGINT, SIGTERM, SIGHUP].map { signalNumber in
                var current = sigaction()
                sigaction(signalNumber, nil, &current)
                return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
            }
            handlers.withLock { $0 = installed }
        }
        #expect(result.exitStatus == 0)
        let defaultOrIgnore = [unsafeBitCast(SIG_DFL, to: Int.self), unsafeBitCast(SIG_IGN, to: Int.self)]
        #expect(handlers.withLock { $0 }.count == 3)
        #expect(handlers.withLock { $0 }.allSatisfy { !defaultOrIgnore.contains($0) })
    }

    @Test func commandSignallingInitReachesItself() throws {
        let workspace = try Workspace()
        let result = try workspace.run("trap 'exit 43' HUP; kill -HUP 1; sleep 20 & wait")
        #expect(result == SandboxResult(exitStatus: 43, setupError: nil))
    }
}
