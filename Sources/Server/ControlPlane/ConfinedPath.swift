import Replica
#if canImport(Glibc)
import Glibc
#endif

/// Files and directories opened strictly inside an operator-chosen root:
/// the relative path is walked one component at a time with `openat` and
/// `O_NOFOLLOW`, so no `..`, NUL, absolute path or symlink below the root can
/// lead elsewhere, and directories are only ever created inside the root.
/// The root itself must exist (it is operator configuration).
enum ConfinedPath {
    /// The components of a relative path, or nil if it could leave the root.
    static func components(_ relative: String) -> [String]? {
        guard !relative.hasPrefix("/"), !relative.utf8.contains(0) else { return nil }
        let parts = relative.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !parts.contains("..") else { return nil }
        return parts
    }

    /// Opens (creating missing ones if `create`) the directory `root/relative`.
    static func openDirectory(root: String, relative: [String], create: Bool) throws -> Int32 {
        guard !root.utf8.contains(0) else { throw DurableFile.IOError(operation: "open", path: root, code: EINVAL) }
        var fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DurableFile.IOError(operation: "open", path: root, code: errno) }
        var path = root
        for name in relative {
            path += "/" + name
            var next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 && errno == ENOENT && create {
                if mkdirat(fd, name, 0o755) != 0 && errno != EEXIST {
                    let e = errno
                    close(fd)
                    throw DurableFile.IOError(operation: "mkdir", path: path, code: e)
                }
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let e = errno
            close(fd)
            guard next >= 0 else { throw DurableFile.IOError(operation: "open", path: path, code: e) }
            fd = next
        }
        return fd
    }

    /// Opens `root/relative` for appending, creating the file (and its
    /// directories, inside the root) if missing. Refuses symlinks, FIFOs,
    /// devices and sockets without blocking on them.
    static func openForAppend(root: String, relative: String) throws -> Int32 {
        guard var parts = components(relative), let name = parts.popLast() else {
            throw DurableFile.IOError(operation: "open", path: root + "/" + relative, code: EINVAL)
        }
        let dir = try openDirectory(root: root, relative: parts, create: true)
        defer { close(dir) }
        let path = ([root] + parts + [name]).joined(separator: "/")
        let fd = openat(dir, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DurableFile.IOError(operation: "open", path: path, code: errno) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw NotRegularFile(path: path)
        }
        return fd
    }

    struct NotRegularFile: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is not a regular file" }
    }
}
