/// Facts about this build of Scorpio.
public enum Scorpio {
    /// The version printed by `scorpio --version` and written into config templates.
    public static let version = "0.1.0"
}
