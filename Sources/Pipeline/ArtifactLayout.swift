/// The names of the files in a published version: one definition for the
/// pipeline that writes them and the services that read them.
public enum ArtifactLayout {
    /// The catalog as atomic files: `catalog.user`, `catalog.item`, `catalog.inter`.
    public static let catalogPrefix = "catalog"
    public static let recall = "recall.pb"
    public static func model(_ name: String) -> String { "model-\(name).json" }
    /// The ranking models published, by name.
    public static let models = ["lr", "fm16"]
    /// How many items each published recall list keeps.
    public static let personalListLength = 100
    public static let channelListLength = 200
    public static let similarListLength = 50
}
