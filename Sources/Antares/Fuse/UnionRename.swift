import FuseKit
import Glibc
import SystemPackage

/// Rename across layers, as kernel overlayfs does it with `redirect_dir=on`: never EXDEV. A directory
/// that exists only in a lower layer is copied up as an empty directory whose redirect xattr points at
/// its origin; a merged directory gets the same redirect; a whiteout stays at the old name when a lower
/// layer has it. A rename moves exactly the name it is given: other links of a hard-linked file stay.
extension UnionFilesystem {
    func rename(
        parent: Inode, name: FilePath.Component, newParent: Inode, newName: FilePath.Component,
        flags: RenameFlags, context: RequestContext
    ) throws(Errno) {
        try Self.checkName(name)
        try Self.checkName(newName)
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
            if move.isSameFile { return }  // two links of one file: rename(2) does nothing
        }
        if move.parent == move.newParent && move.name == move.newName { return }
        try copyUp(move.parent)
        try copyUp(move.newParent)
        let sourceInode = nodes.child(of: move.parent, named: move.name, lower: move.source.lower, lookups: 0)
        let upper = layers.upper, work = edits.work
        // What moves: the source's own upper name, or a directory prepared in the work directory.
        var moving = (directory: upper, path: move.sourcePath)
        if move.source.location.isDirectory {
            if move.source.location.upperPath != nil {
                if let lower = move.source.lower, layers.format.redirect(of: move.sourcePath, in: upper) == nil {
                    try layers.format.setRedirect(move.sourcePath, to: "/" + lower.path, in: upper)
                }
            } else {
                moving = (work, edits.scratchName())
                do {
                    try prepareCopy(of: move.source.location, in: work, at: moving.path)
                    try layers.format.setRedirect(moving.path, to: "/" + move.source.lower!.path, in: work)
                } catch {
                    work.removeTree(moving.path)
                    throw error
                }
            }
            if move.source.lower == nil && move.targetHasLower { try layers.format.setOpaque(moving.path, in: moving.directory) }
        } else if move.source.location.upperPath == nil {
            try copyUp(sourceInode)
        }

        if let existing = upper.status(move.targetPath) {
            if existing.isDirectory {
                try edits.removeDirectory(move.targetPath)
                try moving.directory.rename(moving.path, to: move.targetPath, in: upper, flags: UpperEdits.renameNoReplace)
            } else if moving.directory.status(moving.path)?.isDirectory == true {
                // A directory over a whiteout: swapped in, the whiteout goes.
                try moving.directory.rename(moving.path, to: move.targetPath, in: upper, flags: UpperEdits.renameExchange)
                moving.directory.removeTree(moving.path)
            } else {
                if !existing.isWhiteout, existing.st_nlink == 1, let replaced = nodes.child(of: move.newParent, named: move.newName) {
                    try edits.keepOrphan(of: move.targetPath, as: replaced)
                }
                try moving.directory.rename(moving.path, to: move.targetPath, in: upper)
            }
        } else {
            try moving.directory.rename(moving.path, to: move.targetPath, in: upper, flags: UpperEdits.renameNoReplace)
        }
        if move.sourceHasLower { try upper.makeWhiteout(move.sourcePath) }
        settleRemovedName(move.newName, in: move.newParent)
        nodes.move(move.name, in: move.parent, to: move.newName, in: move.newParent)
    }

    /// RENAME_EXCHANGE, as kernel overlayfs does it: both ends copied up, then swapped in the upper layer.
    private func exchange(_ move: RenamePlan) throws(Errno) {
        guard let target = move.target else { throw .noSuchFileOrDirectory }
        if move.parent == move.newParent && move.name == move.newName { return }
        try copyUp(move.parent)
        try copyUp(move.newParent)
        let sourceInode = nodes.child(of: move.parent, named: move.name, lower: move.source.lower, lookups: 0)
        let targetInode = nodes.child(of: move.newParent, named: move.newName, lower: target.lower, lookups: 0)
        try copyUpForExchange(sourceInode, at: move.sourcePath, move.source, landingOnLower: move.targetHasLower)
        try copyUpForExchange(targetInode, at: move.targetPath, target, landingOnLower: move.sourceHasLower)
        try layers.upper.rename(move.sourcePath, to: move.targetPath, in: layers.upper, flags: UpperEdits.renameExchange)
        nodes.exchange(move.name, in: move.parent, with: move.newName, in: move.newParent)
    }

    /// One end of an exchange in the upper layer, at `path`. A directory that continues in a lower
    /// layer takes a redirect to where it came from; one that does not is made opaque when a lower layer
    /// has the name it lands on, so nothing below merges into it there.
    private func copyUpForExchange(_ inode: Inode, at path: String, _ entry: ResolvedChild, landingOnLower: Bool) throws(Errno) {
        if entry.location.upperPath == nil { try copyUp(inode) }
        guard entry.location.isDirectory else { return }
        if let lower = entry.lower {
            if layers.format.redirect(of: path, in: layers.upper) == nil { try layers.format.setRedirect(path, to: "/" + lower.path, in: layers.upper) }
        } else if landingOnLower {
            try layers.format.setOpaque(path, in: layers.upper)
        }
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

    /// Whether both names are links of one upper file.
    var isSameFile: Bool {
        guard let target, source.location.upperPath != nil, target.location.upperPath != nil else { return false }
        let a = source.location.status, b = target.location.status
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }
}
