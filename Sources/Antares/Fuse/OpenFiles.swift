/// File handles given to the kernel. Only `create` hands one out: the new file's descriptor plus one.
/// Every other file is opened without a request (no-open) and arrives with handle 0.
enum OpenFiles {
    /// The handle of a file the kernel opened without asking.
    static let unopened: UInt64 = 0

    static func handle(for descriptor: Int32) -> UInt64 { UInt64(descriptor) + 1 }

    static func descriptor(of handle: UInt64) -> Int32? {
        handle == unopened ? nil : Int32(handle - 1)
    }
}
