#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Pages of tensors that are never read (for example rows
/// of the word-embedding table no text uses) are never loaded, which keeps RSS near the size of
/// the weights actually touched.
public final class MappedFile: @unchecked Sendable {
    // Sendable: the mapping is read-only and immutable for the object's lifetime.
    /// Start of the mapping; valid for the lifetime of this object.
    public let base: UnsafeRawPointer
    public let count: Int
    let path: String

    /// - Parameters:
    ///   - displayName: how errors name the file (defaults to `path`).
    public init(path: String, displayName: String? = nil) throws(ModelError) {
        let name = displayName ?? path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelError(file: name, "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ModelError(file: name, "cannot stat (\(String(cString: strerror(errno))))")
        }
        let size = Int(info.st_size)
        guard size > 0 else { throw ModelError(file: name, "file is empty") }
        guard let pointer = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw ModelError(file: name, "cannot map into memory (\(String(cString: strerror(errno))))")
        }
        self.base = UnsafeRawPointer(pointer)
        self.count = size
        self.path = path
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    /// Drops the pages read so far from this process's resident set (they are read again from the
    /// page cache if touched).
    func dropResidentPages() {
        madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
