import Dispatch
import Glibc
@testable import Sandbox
import ScorpioTestSupport
import Synchronization
import Testing

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(3)))
struct SignalTests {
    /// Runs `script` on another thread; once it created `ready`, delivers `signals` as if this process
    /// had received them; returns the result (nil if the script was not ready within 60 s, or the run
    /// did not end within 30 s after). The whole suite on two cores can keep a sandbox from starting
    /// for over 10 s; a signal sent before then would not be the one the test means.
    private func run(_ script: String, delivering signals: [Int32]) throws -> SandboxResult? {
        let workspace = try Workspace()
        let spec = workspace.spec("exec >out 2>err; \(script)")
        let initPID = Mutex<pid_t?>(nil)
        let outcome = Mutex<Result<SandboxResult, any Error>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let result = Result { try SandboxProcess.run(spec, whenStarted: { pid in initPID.withLock { $0 = pid } }) }
            outcome.withLock { $0 = result }
            finished.signal()
        }
        var ready = false
        for _ in 0..<6000 {
            if access("\(workspace.source)/ready", F_OK) == 0 {
                ready = true
                break
            }
            usleep(10_000)
        }
        guard ready, let pid = initPID.withLock({ $0 }) else {
            _ = finished.wait(timeout: .now() + 30)
            return nil
        }
        for signalNumber in signals { SignalForwarding.deliver(signalNumber, to: pid) }
        guard finished.wait(timeout: .now() + 30) == .success else { return nil }
        return try outcome.withLock { $0 }?.get()
    }

    @Test func terminateIsForwardedToTheCommand() throws {
        let result = try run("trap 'exit 42' TERM; touch ready; sleep 20 & wait", delivering: [SIGTERM])
        #expect(result == SandboxResult(exitStatus: 42, setupError: nil))
    }

    @Test func secondInterruptKillsTheSandbox() throws {
        let result = try run("trap '' INT; touch ready; sleep 20", delivering: [SIGINT, SIGINT])
        #expect(result == SandboxResult(exitStatus: 137, setupError: nil))
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
