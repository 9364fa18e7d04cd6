import CGit2

/// The paths `git status` reports (untracked files included, recursively; ignored files and submodules
/// not), with their old names for renames.
struct GitStatus {
    let paths: Set<String>

    init(of repository: GitRepository) throws(ChangeListError) {
        var options = git_status_options()
        git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION))
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        guard git_status_list_new(&list, repository.handle, &options) == 0, let list else {
            throw .git("reading the status of \(repository.path)", reason: GitRepository.lastErrorMessage)
        }
        defer { git_status_list_free(list) }
        var paths: Set<String> = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            for delta in [entry.head_to_index, entry.index_to_workdir].compactMap({ $0?.pointee }) {
                for file in [delta.old_file, delta.new_file] {
                    if let path = file.path { paths.insert(String(cString: path)) }
                }
            }
        }
        self.paths = paths
    }
}
