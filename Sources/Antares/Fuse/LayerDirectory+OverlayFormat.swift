import SystemPackage
import Glibc

/// overlayfs's markers on entries of a layer directory (see ``OverlayFormat``).
extension OverlayFormat {
    func isOpaque(_ path: String, in layer: LayerDirectory) -> Bool {
        (try? layer.xattr(path, opaqueName)) == Array("y".utf8)
    }

    func redirect(of path: String, in layer: LayerDirectory) -> String? {
        (try? layer.xattr(path, redirectName)).map { String(decoding: $0, as: UTF8.self) }
    }

    func setOpaque(_ path: String, in layer: LayerDirectory) throws(Errno) {
        try set(opaqueName, "y", at: path, in: layer)
    }

    func setRedirect(_ path: String, to origin: String, in layer: LayerDirectory) throws(Errno) {
        try set(redirectName, origin, at: path, in: layer)
    }

    private func set(_ name: String, _ text: String, at path: String, in layer: LayerDirectory) throws(Errno) {
        try layer.setXattr(path, name, Array(text.utf8), flags: 0)
    }
}
