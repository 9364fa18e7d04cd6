import Dicfuse
import SystemPackage

extension LayerChanges {
    /// The layer of Mega change list `link`: added and modified files with their content from the
    /// server (the API says nothing of modes: files are written 0644), deleted ones as whiteouts.
    public init(megaChangeList link: String, from source: MegaTreeSource) throws(ChangeListError) {
        self.init()
        let files: [MegaChangedFile]
        do { files = try source.changeList(link) } catch { throw .git("cl \(link)", reason: "\(error)") }
        for file in files {
            switch file.action {
            case .deleted:
                entries.append(LayerEntry(path: FilePath(file.path), content: .whiteout))
                deleted += 1
            case .added, .modified:
                guard let id = ObjectID(hex: file.sha) else {
                    throw .git("cl \(link)", reason: "the server gave '\(file.sha)' as the id of \(file.path)")
                }
                let bytes: [UInt8]
                do { bytes = try source.blobContent(id) } catch { throw .git("cl \(link)", reason: "\(error)") }
                entries.append(LayerEntry(path: FilePath(file.path), content: .file(bytes: bytes, executable: false)))
                if file.action == .added { added += 1 } else { modified += 1 }
            }
        }
    }
}
