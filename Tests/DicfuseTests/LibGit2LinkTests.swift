import CGit2
import Dicfuse
import ScorpioTestSupport
import Testing

/// libgit2 is linked for local repositories only: its network transports' needs are answered by
/// Scorpio's stubs (Sources/CGit2), so a process start sets up no transport, parses no CA bundle (and
/// loads no Kerberos or TLS library: CLIBasicsTests).
struct LibGit2LinkTests {
    /// libgit2's set-up leaves its network transports alone (Sources/CGit2/transport_setup_deferral.c):
    /// TLS is set up by the first TLS stream, and then its CA load is Scorpio's no-op.
    @Test func libgit2SetsUpTLSOnlyForATLSStreamAndThenLoadsNoCertificates() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        _ = try GitTreeSource(repository: repository.path.string)  // libgit2 is set up by now
        #expect(scorpio_git_tls_setups() == 0, "reading a local repository set up no TLS")
        #expect(scorpio_git_ca_loads_skipped() == 0, "nor asked for a CA bundle")

        var handle: OpaquePointer?
        try #require(git_repository_open(&handle, repository.path.string) == 0)
        defer { git_repository_free(handle) }
        var remote: OpaquePointer?
        try #require(git_remote_create_anonymous(&remote, handle, "https://127.0.0.1:9/nothing.git") == 0)
        defer { git_remote_free(remote) }
        var direct = git_proxy_options()  // no proxy from the environment in between
        try #require(git_proxy_options_init(&direct, UInt32(GIT_PROXY_OPTIONS_VERSION)) == 0)
        direct.type = GIT_PROXY_NONE
        #expect(git_remote_connect(remote, GIT_DIRECTION_FETCH, nil, &direct, nil) != 0, "nothing listens on the discard port")
        #expect(scorpio_git_tls_setups() == 1, "the HTTPS stream set TLS up")
        #expect(scorpio_git_ca_loads_skipped() >= 1, "libgit2 loaded its CA bundle through libmbedx509's own parser")
    }

    /// A dictionary's process keeps no second copy of the trees it lists: with the object cache off,
    /// libgit2 hands out a tree read anew, not the one it kept.
    @Test func aProcessThatStopsCachingGitObjectsKeepsNoTree() throws {
        let scratch = try Scratch()
        let repository = try TestRepository(in: scratch)
        LibGit2.stopCachingObjects()
        var handle: OpaquePointer?
        try #require(git_repository_open(&handle, repository.path.string) == 0)
        defer { git_repository_free(handle) }
        var head = git_oid()
        try #require(git_reference_name_to_id(&head, handle, "HEAD") == 0)
        var commit: OpaquePointer?
        try #require(git_commit_lookup(&commit, handle, &head) == 0)
        defer { git_commit_free(commit) }
        var first: OpaquePointer?, second: OpaquePointer?
        try #require(git_commit_tree(&first, commit) == 0 && git_commit_tree(&second, commit) == 0)
        defer { git_tree_free(first); git_tree_free(second) }
        #expect(first != second, "each lookup reads the tree again")
    }
}
