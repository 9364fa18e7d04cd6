import ArgumentParser
import ScorpioKit

#if canImport(Glibc)
import Glibc
#endif

// A probe child must do its work while the process is still single-threaded: before parsing,
// logging or any task starts.
if let probeStatus = HostProbe.runIfRequested(arguments: CommandLine.arguments) {
    exit(probeStatus)
}

// Bases are served, and the host probed, by this very executable, whatever its file is called.
ScorpioExecutable.declareThisProcess()
// A reader that goes away (`scorpio run … | head -1`) must not kill the process before it unmounts:
// writes to it fail with EPIPE instead. Jobs start with every signal's default disposition again.
signal(SIGPIPE, SIG_IGN)
// Servers need room for descriptors: the soft limit goes up to what the host allows.
DescriptorBudget.raiseSoftLimit()

// Run as `scorpio-overlay` (mount.fuse3 starts `scorpio-overlay SOURCE MOUNTPOINT -o OPTIONS` for
// `mount -t fuse.scorpio-overlay`): the same as `scorpio overlay -o OPTIONS MOUNTPOINT`.
var arguments = Array(CommandLine.arguments.dropFirst())
if CommandLine.arguments.first.map({ $0.split(separator: "/").last == "scorpio-overlay" }) == true {
    arguments = ["overlay"] + OverlayInvocation.arguments(fromMountHelper: arguments)
}
// Still single-threaded: a mount served in the background forks here (`scorpio mount` forks later, once
// it knows its driver). The caller waits for the background process's report and exits; the
// background process goes on to run the command, parsed once.
let parsed = BackgroundLaunch.forkIfRequested(arguments)
if let served = parsed as? any BackgroundServing, served.servesHere { CommandLineTool.run(served.serveHere) }
if let parsed, !(parsed is AsyncParsableCommand) { CommandLineTool.run(parsed) }
await CommandLineTool.main(arguments, parsed: parsed)
