import FuseKit
import Glibc
import SystemPackage

extension LayerStack {
    /// The names a union directory shows, layer by layer from the top: whiteouts hide lower names, an
    /// opaque directory ends the merge, and a name shows once (from its topmost layer).
    func mergedNames(ofDirectory path: String, lower: LowerOrigin?) throws(Errno) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        func add(_ name: String, whiteout: Bool) {
            guard seen.insert(name).inserted, !whiteout else { return }
            names.append(name)
        }
        /// Adds a layer directory's names; returns whether the layers below it continue (not opaque).
        func addLayer(_ layer: LayerDirectory, _ directory: String) throws(Errno) -> Bool {
            guard layer.status(directory)?.isDirectory == true else { return true }
            for entry in try layer.list(directory) {
                add(entry.name, whiteout: entry.type == DT_CHR && (layer.status(joinPath(directory, entry.name))?.isWhiteout ?? false))
            }
            return !format.isOpaque(directory, in: layer)
        }
        guard try addLayer(upper, path), let lower else { return names }
        for place in lower.places where !(try addLayer(lowers[place.layer], place.path)) { break }
        return names
    }

    /// The whiteouts a directory made up by one layer alone shows: kernel overlayfs lists such a
    /// directory as the layer has it, whiteouts included (as character devices), and merges only
    /// directories of several layers.
    func listedWhiteouts(ofDirectory path: String, lower: LowerOrigin?) throws(Errno) -> [String] {
        let only: (LayerDirectory, String)
        if upper.status(path)?.isDirectory == true {
            guard lower == nil else { return [] }
            only = (upper, path)
        } else {
            guard let places = lower?.places, places.count == 1 else { return [] }
            only = (lowers[places[0].layer], places[0].path)
        }
        return try only.0.list(only.1).filter { entry in
            entry.type == DT_CHR && (only.0.status(joinPath(only.1, entry.name))?.isWhiteout ?? false)
        }.map(\.name)
    }
}
