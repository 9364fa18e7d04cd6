/// The build-tool recipes shipped with Scorpio: the `*.toml` files beside this one, copied by the
/// package manager into the `Scorpio_ScorpioRecipes.resources` directory next to the built binaries.
public enum ScorpioRecipes {
    public static let bundleName = "Scorpio_ScorpioRecipes.resources"
}
