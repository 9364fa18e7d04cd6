import Foundation
import ScorpioTestSupport
import SystemPackage
import Testing

/// A git repository with one commit (`src/hello.txt` = "hello"), made with the git command line.
func makeTestRepository(in directory: FilePath) throws -> FilePath {
    let repository = directory.appending("repo")
    let script = """
        set -e; mkdir -p '\(repository)/src'; cd '\(repository)'; git init -q -b main .
        printf 'hello\\n' > src/hello.txt; git add -A
        git -c user.name=t -c user.email=t@x commit -qm one
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0)
    return repository
}

/// The mountpoints below `directory`, in mount order. A shared base ends a moment after the last job
/// on it does, so when only bases are left this waits for them to go.
func mounts(under directory: FilePath) -> [String] {
    let now = mountpoints(under: directory)
    let onlyBases = !now.isEmpty && now.allSatisfy { $0.contains("/antares/bases/") }
    return onlyBases ? waitUntilNothingIsMounted(under: directory) : now
}

/// Whether `condition` holds within 5 s, asked every 10 ms.
@discardableResult
func waitUntil(_ condition: () throws -> Bool) rethrows -> Bool {
    for _ in 0..<500 {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// Detaches every mount below `directory`, the latest first.
func detachMounts(under directory: FilePath) {
    for mount in mounts(under: directory).reversed() { _ = umount2(mount, Int32(MNT_DETACH)) }
}

/// A sandbox with its directories configured and a test repository in it; whatever the body mounts
/// below it is detached when the body ends, whichever way.
func withJobSandbox<Result>(_ body: (ScorpioProcess, FilePath, FilePath) throws -> Result) throws -> Result {
    try withSandbox { scorpio, directory in
        try write(sandboxedDirectories(in: directory), to: directory.appending("scorpio.toml"))
        let repository = try makeTestRepository(in: directory)
        defer { detachMounts(under: directory) }
        return try body(scorpio, directory, repository)
    }
}

/// Runs a shell script; returns its exit status and standard output (``shell(_:)``: the script starts
/// with an empty signal mask, so its `wait` sees its children end).
func sh(_ script: String) -> (status: Int32, output: String) { shell(script) }

/// A shell script that applies an OCI layer to `directory` as a container runtime does: each whiteout
/// removes its entry (an opaque marker its directory's contents), then the layer's entries are extracted.
func applyLayerScript(_ layer: String, onto directory: String) -> String {
    """
    set -e; cd '\(directory)'
    tar -tzf '\(layer)' | while read -r entry; do
      name=$(basename "$entry"); dir=$(dirname "$entry")
      case "$name" in
        .wh..wh..opq) find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf {} + ;;
        .wh.*) rm -rf "$dir/${name#.wh.}" ;;
      esac
    done
    tar -xzf '\(layer)' --exclude='.wh.*'
    """
}

/// Every entry below `directory` but `.git`, with its type and mode, and every file's sha256: two
/// trees with the same listing hold the same content.
func treeListing(_ directory: String) -> String {
    sh("""
        cd '\(directory)' && find . -path ./.git -prune -o -printf '%p %y %m %l\\n' | sort \
          && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 -r sha256sum
        """).output
}
