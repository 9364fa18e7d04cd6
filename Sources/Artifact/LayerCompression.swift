/// How the layer's tar is compressed, and the OCI media type that says so.
public enum LayerCompression: String, Sendable, Codable, CaseIterable {
    case gzip
    case zstd
    case none

    public var mediaType: String {
        switch self {
        case .gzip: "application/vnd.oci.image.layer.v1.tar+gzip"
        case .zstd: "application/vnd.oci.image.layer.v1.tar+zstd"
        case .none: "application/vnd.oci.image.layer.v1.tar"
        }
    }

    /// The usual file name extension, without the leading dot.
    public var fileExtension: String {
        switch self {
        case .gzip: "tar.gz"
        case .zstd: "tar.zst"
        case .none: "tar"
        }
    }
}
