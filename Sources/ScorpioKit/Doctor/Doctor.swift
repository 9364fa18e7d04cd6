/// `scorpio doctor`: can this host run jobs with this configuration?
public struct Doctor: Sendable {
    public let context: DoctorContext

    public init(context: DoctorContext) {
        self.context = context
    }

    /// Every check, in the order they are reported.
    public var checks: [any DoctorCheck] {
        let config = context.config
        return [
            ConfigValidityCheck(),
            FuseDeviceCheck(),
            FusermountCheck(),
            OverlayFilesystemCheck(),
            RequestRingCheck(),
            NamespaceCheck(kind: .mount),
            NamespaceCheck(kind: .user),
            SeccompCheck(),
        ] + LibraryVersionCheck.Library.allCases.map(LibraryVersionCheck.init)
          + [
            WritableDirectoryCheck(name: "store", keyName: "store_path", directory: config.storePath),
            WritableDirectoryCheck(name: "upper root", keyName: "antares_upper_root", directory: config.antares.upperRoot),
            WritableDirectoryCheck(name: "cl root", keyName: "antares_cl_root", directory: config.antares.clRoot),
            WritableDirectoryCheck(name: "mount root", keyName: "antares_mount_root", directory: config.antares.mountRoot),
            WritableDirectoryCheck(name: "state file directory", keyName: "antares_state_file",
                                   directory: config.antares.stateFile.removingLastComponent()),
            UpperLayerFeaturesCheck(),
          ]
    }

    public func examine() -> DoctorReport {
        DoctorReport(findings: checks.map { $0.run(in: context) })
    }
}
