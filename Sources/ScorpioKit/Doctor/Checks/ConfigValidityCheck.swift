/// The configuration loaded and every value fits its key.
struct ConfigValidityCheck: DoctorCheck {
    func run(in context: DoctorContext) -> DoctorFinding {
        if let problem = context.configProblem {
            return .failed("config", "\(problem.message); the other checks use the defaults",
                           fix: "correct the configuration, then confirm with `scorpio config validate`")
        }
        let origin = context.configFile.map(\.description) ?? "no config file, defaults with environment and flags"
        return .passed("config", "valid: \(origin)")
    }
}
