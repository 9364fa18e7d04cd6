import Glibc
import Sandbox
import ScorpioTestSupport
import Testing

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct SeccompTests {
    @Test func policyNoneAllowsWhatTheDefaultDenies() throws {
        let workspace = try Workspace()
        let result = try workspace.run("unshare -m true") { $0.seccomp = .none; $0.capabilities = .all }
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
    }

    /// clone(CLONE_NEWPID | SIGCHLD) fails with EPERM; clone3 with ENOSYS; a plain fork works.
    @Test func cloneWithNamespaceFlagsIsDeniedButForkWorks() throws {
        let workspace = try Workspace()
        let result = try workspace.run("""
            perl -e '$r = syscall(56, 0x20000011, 0, 0, 0, 0); exit($r == -1 && $!{EPERM} ? 0 : 10)' || exit $?
            perl -e '$r = syscall(435, 0, 0); exit($r == -1 && $!{ENOSYS} ? 0 : 11)' || exit $?
            (exit 4); test $? = 4 || exit 12
            """) { $0.capabilities = .all }  // so that only the filter stands in the way
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
    }

    @Test func ociProfileDenyingUnameMakesUnameFailWithEPERM() throws {
        let workspace = try Workspace()
        let profile = workspace.scratch.path.appending("profile.json")
        let json = """
            {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "includes": {}}]}
            """
        #expect(shell("cat > '\(profile)' <<'JSON'\n\(json)\nJSON").status == 0)
        let result = try workspace.run("uname && exit 10; exit 0") { $0.seccomp = .profile(profile) }
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
        #expect(workspace.read("err").contains("Operation not permitted"))
    }

    @Test func ociProfileActionsAndConditionsAreRead() throws {
        let json = """
            {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
             "syscalls": [
               {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
               {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]},
               {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"}]}
            """
        let profile = try SeccompProfile(ociJSON: Array(json.utf8))
        #expect(profile.defaultAction == .errno(38))
        #expect(profile.rules == [
            SeccompRule(names: ["read", "write"], action: .allow),
            SeccompRule(names: ["personality"], action: .allow,
                        conditions: [SeccompCondition(index: 0, comparison: .equal, value: 8)]),
            SeccompRule(names: ["kill"], action: .killProcess),
        ])
    }

    @Test func ociProfileWithConditionalRulesIsRefused() {
        let json = """
            {"defaultAction": "SCMP_ACT_ERRNO",
             "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}]}
            """
        #expect(throws: SeccompProfileError.self) { try SeccompProfile(ociJSON: Array(json.utf8)) }
    }

    @Test func unreadableProfileIsAnError() throws {
        let workspace = try Workspace()
        #expect(throws: SeccompProfileError.self) {
            try workspace.run("true") { $0.seccomp = .profile("/nonexistent/profile.json") }
        }
    }
}
