import Glibc
import Sandbox
import ScorpioTestSupport
import SystemPackage

/// A scratch workspace: `source` on the host, bound read-write at `target` inside the sandbox.
struct Workspace {
    let scratch: Scratch
    let source: FilePath
    let target: FilePath

    init() throws {
        scratch = try Scratch()
        source = scratch.directory("workspace")
        target = scratch.path.appending("job")  // created inside the sandbox's private /tmp
    }

    /// A spec running `script` with /bin/sh in the workspace.
    func spec(_ script: String, configure: (inout SandboxSpec) -> Void = { _ in }) -> SandboxSpec {
        var spec = SandboxSpec(
            command: "/bin/sh", arguments: ["-c", script],
            workspace: WorkspaceBinding(source: source, target: target), workingDirectory: target)
        configure(&spec)
        return spec
    }

    /// Runs `script`, its stdout and stderr redirected into workspace files `out` and `err`.
    func run(_ script: String, configure: (inout SandboxSpec) -> Void = { _ in }) throws -> SandboxResult {
        try SandboxProcess.run(spec("exec >out 2>err; \(script)", configure: configure))
    }

    /// A workspace file's content as the host sees it.
    func read(_ name: String) -> String {
        shell("cat '\(source)/\(name)' 2>/dev/null").output
    }
}

/// Root is needed to create mount and PID namespaces.
let isRoot = geteuid() == 0
