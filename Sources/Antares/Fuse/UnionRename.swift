import FuseKit
import Glibc
import SystemPackage

/// Rename across layers, as kernel overlayfs does it with `redirect_dir=on`: never EXDEV. A directory
/// that exists only in a lower layer is copied up as an empty directory whose redirect xattr points at
/// its origin; a merged directory gets the same redirect; a whiteout stays at the old name when a lower
/// layer has it.
extension UnionFilesystem {
    func rename(
        parent: Inode, name: FilePath.Component, newParent: Inode, newName: FilePath.Component,
        flags: RenameFlags, context: RequestContext
    ) throws(Errno) {
        if flags.contains(.whiteout) { throw .invalidArgument }
        try namespaceLock.writing { () throws(Errno) in
            let move = try RenamePlan(self, name.string, in: parent, to: newName.string, in: newParent)
            if flags.contains(.exchange) {
                try exchange(move)
            } else {
                if move.target != nil && flags.contains(.noReplace) { throw Errno.fileExists }
                try rename(move)
            }
        }
    }

    private func rename(_ move: RenamePlan) throws(Errno) {
        if let target = move.target {
            if move.source.location.isDirectory {
                guard target.location.isDirectory else { throw .notDirectory }
                guard try layers.mergedNames(ofDirectory: move.targetPath, lower: target.lower).isEmpty else { throw .directoryNotEmpty }
            } else if target.location.isDirectory {
                throw .isDirectory
            }
        }
        if move.parent == move.newParent && move.name == move.newName { return }
        try copyUp(move.parent)
        try copyUp(move.newParent)
        let sourceInode = nodes.child(of: move.parent, named: move.name, lower: move.source.lower, lookups: 0)
        let moving: String
        if move.source.location.isDirectory {
            if case .upper = move.source.location {
                moving = layers.upperPath(move.sourcePath)
                if let lower = move.source.lower, layers.format.redirect(of: FilePath(moving)) == nil {
                    try layers.format.setRedirect(FilePath(moving), to: "/" + lower.path)
                }
            } else {
                moving = edits.scratchPath()
                do {
                    try prepareCopy(of: move.source.location, at: moving)
                    try layers.format.setRedirect(FilePath(moving), to: "/" + move.source.lower!.path)
                } catch {
                    Posix.removeTree(moving)
                    throw error
                }
            }
            if move.source.lower == nil && move.targetHasLower { try layers.format.setOpaque(FilePath(moving)) }
        } else {
            moving = layers.upperPath(try copyUp(sourceInode))
        }

        let targetReal = layers.upperPath(move.targetPath)
        if let existing = Posix.lstat(targetReal) {
            if existing.isDirectory {
                try edits.removeDirectory(targetReal)
                try Posix.rename(moving, targetReal, flags: UpperEdits.renameNoReplace)
            } else if Posix.lstat(moving)?.isDirectory == true {
                try Posix.rename(moving, targetReal, flags: UpperEdits.renameExchange)
                Posix.removeTree(moving)
            } else {
                try Posix.rename(moving, targetReal)
            }
        } else {
            try Posix.rename(moving, targetReal, flags: UpperEdits.renameNoReplace)
        }
        if move.sourceHasLower {
            try OverlayFormat.makeWhiteout(at: FilePath(layers.upperPath(move.sourcePath)))
        }
        nodes.move(move.name, in: move.parent, to: move.newName, in: move.newParent)
    }

    /// RENAME_EXCHANGE, as kernel overlayfs does it: both ends copied up, then swapped in the upper layer.
    private func exchange(_ move: RenamePlan) throws(Errno) {
        guard let target = move.target else { throw .noSuchFileOrDirectory }
        if move.parent == move.newParent && move.name == move.newName { return }
        let sourceInode = nodes.child(of: move.parent, named: move.name, lower: move.source.lower, lookups: 0)
        let targetInode = nodes.child(of: move.newParent, named: move.newName, lower: target.lower, lookups: 0)
        let sourceReal = try copyUpForExchange(sourceInode, move.source, landingOnLower: move.targetHasLower)
        let targetReal = try copyUpForExchange(targetInode, target, landingOnLower: move.sourceHasLower)
        try Posix.rename(sourceReal, targetReal, flags: UpperEdits.renameExchange)
        nodes.exchange(move.name, in: move.parent, with: move.newName, in: move.newParent)
    }

    /// One end of an exchange in the upper layer. A directory that continues in a lower layer takes a
    /// redirect to where it came from; one that does not is made opaque when a lower layer has the name it
    /// lands on, so nothing below merges into it there.
    private func copyUpForExchange(_ inode: Inode, _ entry: ResolvedChild, landingOnLower: Bool) throws(Errno) -> String {
        let real = layers.upperPath(try copyUp(inode))
        guard entry.location.isDirectory else { return real }
        if let lower = entry.lower {
            if layers.format.redirect(of: FilePath(real)) == nil { try layers.format.setRedirect(FilePath(real), to: "/" + lower.path) }
        } else if landingOnLower {
            try layers.format.setOpaque(FilePath(real))
        }
        return real
    }
}

/// Both ends of a rename, resolved in the union.
private struct RenamePlan {
    let parent: Inode, name: String, sourcePath: String
    let newParent: Inode, newName: String, targetPath: String
    let source: ResolvedChild
    let target: ResolvedChild?
    /// Whether a lower layer has the old name (a whiteout must stay there).
    let sourceHasLower: Bool
    /// Whether a lower layer has the new name (what is moved there must hide it).
    let targetHasLower: Bool

    init(_ union: UnionFilesystem, _ name: String, in parent: Inode, to newName: String, in newParent: Inode) throws(Errno) {
        guard let parentNode = union.nodes.node(parent), let parentPath = union.nodes.path(of: parent),
            let newParentNode = union.nodes.node(newParent), let newParentPath = union.nodes.path(of: newParent)
        else { throw .noSuchFileOrDirectory }
        self.parent = parent
        self.name = name
        self.newParent = newParent
        self.newName = newName
        sourcePath = joinPath(parentPath, name)
        targetPath = joinPath(newParentPath, newName)
        source = try union.layers.child(named: name, inDirectory: parentPath, lower: parentNode.lower)
        target = try? union.layers.child(named: newName, inDirectory: newParentPath, lower: newParentNode.lower)
        sourceHasLower = parentNode.lower.flatMap { union.layers.lowerChild(of: $0, named: name) } != nil
        targetHasLower = newParentNode.lower.flatMap { union.layers.lowerChild(of: $0, named: newName) } != nil
    }
}
