/// How a sandboxed run ended.
public struct SandboxResult: Sendable, Equatable {
    /// The command's exit status, 128 + signal when a signal killed it; 125/126/127 when
    /// `setupError` says the command never ran.
    public var exitStatus: Int32
    /// Set when the command did not run: the sandbox could not be set up, or the command could not be
    /// executed. `nil` means `exitStatus` is the command's own, whatever its value.
    public var setupError: SandboxSetupError?

    public init(exitStatus: Int32, setupError: SandboxSetupError?) {
        self.exitStatus = exitStatus
        self.setupError = setupError
    }
}

/// Why the command did not run, as reported by the sandbox child ("step subject: error text").
public struct SandboxSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A setup step failed (exit status 125).
        case setupFailed
        /// The command was not found (127).
        case commandNotFound
        /// The command was found but could not be executed (126).
        case commandNotExecutable
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
