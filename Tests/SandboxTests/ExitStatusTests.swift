import Sandbox
import ScorpioTestSupport
import Testing

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct ExitStatusTests {
    @Test(arguments: [0, 3, 127] as [Int32])
    func commandExitStatusPassesThrough(_ status: Int32) throws {
        let result = try Workspace().run("exit \(status)")
        #expect(result == SandboxResult(exitStatus: status, setupError: nil))
    }

    @Test func commandKilledBySignalReports128PlusSignal() throws {
        let result = try Workspace().run("kill -9 $$")
        #expect(result == SandboxResult(exitStatus: 137, setupError: nil))
    }

    @Test func missingCommandIs127WithSetupError() throws {
        let result = try SandboxProcess.run(SandboxSpec(command: "scorpio-no-such-command", workingDirectory: "/"))
        #expect(result.exitStatus == 127)
        #expect(result.setupError?.kind == .commandNotFound)
        #expect(result.setupError?.message == "exec scorpio-no-such-command: No such file or directory")
    }

    @Test func nonExecutableFileIs126WithSetupError() throws {
        let workspace = try Workspace()
        let script = workspace.source.appending("script.sh")
        #expect(shell("printf 'exit 0\\n' > '\(script)' && chmod 644 '\(script)'").status == 0)
        var spec = workspace.spec("")
        spec.command = workspace.target.appending("script.sh").string
        spec.arguments = []
        let result = try SandboxProcess.run(spec)
        #expect(result.exitStatus == 126)
        #expect(result.setupError?.kind == .commandNotExecutable)
        #expect(result.setupError?.message.hasSuffix("Permission denied") == true)
    }

    @Test func failedSetupStepIs125AndNamed() throws {
        let workspace = try Workspace()
        var spec = workspace.spec("true")
        spec.workspace = WorkspaceBinding(source: workspace.scratch.path.appending("missing"), target: workspace.target)
        let result = try SandboxProcess.run(spec)
        #expect(result.exitStatus == 125)
        #expect(result.setupError?.kind == .setupFailed)
        #expect(result.setupError?.message == "clone bind source \(workspace.scratch.path)/missing: No such file or directory")
    }

    @Test func invalidSpecIsRejectedBeforeStarting() throws {
        #expect(throws: SandboxError.invalidSpec("working directory must be absolute")) {
            try SandboxProcess.run(SandboxSpec(command: "true", workingDirectory: "relative"))
        }
    }
}
