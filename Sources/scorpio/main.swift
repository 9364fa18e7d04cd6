import ScorpioKit

#if canImport(Glibc)
import Glibc
#endif

// A probe child must do its work while the process is still single-threaded: before parsing,
// logging or any task starts.
if let probeStatus = HostProbe.runIfRequested(arguments: CommandLine.arguments) {
    exit(probeStatus)
}

await CommandLineTool.main()
