import Glibc
import Sandbox
import ScorpioTestSupport
import Testing

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct ConfinementTests {
    @Test func mountAndUnshareFailWithEPERM() throws {
        let workspace = try Workspace()
        let result = try workspace.run("""
            unshare -m true 2>unshare.err && exit 10
            mount -t tmpfs x /mnt 2>mount.err && exit 11
            exit 0
            """) { $0.capabilities = .all }  // so that only the seccomp filter stands in the way
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
        #expect(workspace.read("unshare.err").contains("Operation not permitted"))
        #expect(!workspace.read("mount.err").isEmpty)
    }

    @Test func hostIsReadOnlyWhileWorkspaceAndTmpAreWritable() throws {
        let workspace = try Workspace()
        let marker = "/tmp/scorpio-sandbox-marker-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let result = try workspace.run("""
            touch /usr/scorpio-sandbox-x 2>usr.err && exit 10
            touch written || exit 11
            test -z "$(ls /tmp | grep -v '^scorpio-test[.]')" || exit 12
            touch \(marker) || exit 13
            """)
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
        #expect(workspace.read("usr.err").contains("Read-only file system"))
        #expect(shell("test -e '\(workspace.source)/written'").status == 0)
        #expect(shell("test -e '\(marker)'").status != 0)
        #expect(shell("test -e /usr/scorpio-sandbox-x").status != 0)
    }

    @Test func writablePathIsBoundReadWrite() throws {
        let workspace = try Workspace()
        let extra = workspace.scratch.directory("extra")
        let result = try workspace.run("touch '\(extra)/made'") { $0.writablePaths = [extra] }
        #expect(result.exitStatus == 0)
        #expect(shell("test -e '\(extra)/made'").status == 0)
    }

    @Test func networkNoneHasOnlyLoopbackUp() throws {
        let workspace = try Workspace()
        let result = try workspace.run("ip -o link show | cut -d: -f2 | tr -d ' ' > links; ip -o link show lo > lo") {
            $0.network = .none
        }
        #expect(result.exitStatus == 0)
        #expect(workspace.read("links") == "lo\n")
        #expect(workspace.read("lo").contains(",UP"))
    }

    @Test func backgroundProcessDoesNotOutliveTheRun() throws {
        let workspace = try Workspace()
        let seconds = "987.\(UInt16.random(in: 1000...9999))"
        let result = try workspace.run("sleep \(seconds) & echo started")
        #expect(result.exitStatus == 0)
        #expect(workspace.read("out") == "started\n")
        #expect(shell("pgrep -f 'slee[p] \(seconds)'").status != 0)  // the bracket keeps sh's own command line out
    }

    @Test func commandSeesItsOwnPIDNamespace() throws {
        let workspace = try Workspace()
        let result = try workspace.run("echo $$ > pid; ls /proc | grep -c '^[0-9]' > count")
        #expect(result.exitStatus == 0)
        #expect(workspace.read("pid") == "2\n")  // PID 1 is the sandbox's init
    }

    @Test func userAndGroupAreDropped() throws {
        let workspace = try Workspace()
        #expect(shell("chmod 777 '\(workspace.source)'").status == 0)
        let result = try workspace.run("id -u; id -g") { $0.user = UserIdentity(uid: 1234, gid: 2345) }
        #expect(result.exitStatus == 0)
        #expect(workspace.read("out") == "1234\n2345\n")
    }

    @Test func environmentIsExactlyTheSpecs() throws {
        let workspace = try Workspace()
        let result = try workspace.run("env | sort > env") {
            $0.environment = ["PATH": "/usr/bin:/bin", "SCORPIO_TEST": "yes"]
        }
        #expect(result.exitStatus == 0)
        #expect(workspace.read("env").contains("SCORPIO_TEST=yes"))
        #expect(!workspace.read("env").contains("HOME="))
    }
}

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct UserNamespaceTests {
    @Test func identityMappedUserNamespaceIsNewAndWorks() throws {
        let workspace = try Workspace()
        let hostNamespace = shell("readlink /proc/self/ns/user").output
        let result = try workspace.run("readlink /proc/self/ns/user > ns; cat /proc/self/uid_map > map; touch written") {
            $0.userNamespace = .identity
            $0.network = .none
        }
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
        #expect(!workspace.read("ns").isEmpty && workspace.read("ns") != hostNamespace)
        #expect(workspace.read("map").split(separator: " ", omittingEmptySubsequences: true) == ["0", "0", "4294967295\n"])
        #expect(shell("test -e '\(workspace.source)/written'").status == 0)
    }

    /// Setting the host loopback's MTU to its current value needs CAP_NET_ADMIN over the host network
    /// namespace: a no-op for the host root, refused from a user namespace even without seccomp.
    @Test func hostCapabilitiesDoNotReachOutOfTheUserNamespace() throws {
        let workspace = try Workspace()
        let mtu = shell("cat /sys/class/net/lo/mtu").output.filter(\.isNumber)
        try #require(!mtu.isEmpty)
        #expect(try workspace.run("ip link set lo mtu \(mtu)") { $0.seccomp = .none; $0.capabilities = .all }.exitStatus == 0)
        let confined = try workspace.run("ip link set lo mtu \(mtu)") {
            $0.userNamespace = .identity
            $0.seccomp = .none
            $0.capabilities = .all
        }
        #expect(confined.exitStatus != 0)
        #expect(workspace.read("err").contains("Operation not permitted"))
    }
}

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct DeviceTests {
    @Test func minimalDevHoldsOnlyHarmlessDevices() throws {
        let workspace = try Workspace()
        let result = try workspace.run("""
            ls /dev > devices
            echo discarded > /dev/null || exit 10
            test "$(head -c 3 /dev/urandom | wc -c)" = 3 || exit 11
            touch /dev/shm/x || exit 12
            """)
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
        #expect(workspace.read("devices").split(separator: "\n") == [
            "fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero",
        ])
    }

    @Test func hostDevIsReadOnlyButKeepsItsNodes() throws {
        let workspace = try Workspace()
        let result = try workspace.run("test -c /dev/null && ls /dev | grep -qv '^null$' && ! touch /dev/scorpio-x") {
            $0.devices = .host
        }
        #expect(result == SandboxResult(exitStatus: 0, setupError: nil))
    }
}

@Suite(.enabled(if: isRoot, "needs root"), .timeLimit(.minutes(1)))
struct CapabilityTests {
    @Test func dockerDefaultCapabilitiesBoundTheJob() throws {
        let workspace = try Workspace()
        let mtu = shell("cat /sys/class/net/lo/mtu").output.filter(\.isNumber)
        try #require(!mtu.isEmpty)
        let result = try workspace.run("grep -E '^Cap(Bnd|Eff)' /proc/self/status > caps; ip link set lo mtu \(mtu)") {
            $0.seccomp = .none
        }
        #expect(result.exitStatus != 0)  // CAP_NET_ADMIN over the host network is gone
        #expect(workspace.read("err").contains("Operation not permitted"))
        #expect(workspace.read("caps") == "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n")
    }

    @Test func allCapabilitiesKeepsTheFullBoundingSet() throws {
        let workspace = try Workspace()
        let hostBounding = shell("grep '^CapBnd' /proc/self/status").output
        let result = try workspace.run("grep '^CapBnd' /proc/self/status > caps") { $0.capabilities = .all }
        #expect(result.exitStatus == 0)
        #expect(workspace.read("caps") == hostBounding)
    }
}
