import Foundation
public import HookstreamCore
import Synchronization

/// The archive's files: `<root>/<org_id>/<YYYY-MM-DD>.ndjson.gz`, one per organization and UTC
/// day, each a concatenation of gzip members (one per batch).
///
/// Appends are made durable (file and, when the file is new, its directory fsynced) before the
/// caller deletes the rows they hold. Appends, truncations and reads of the files go through one
/// lock, so a restore never reads a member that is still being written.
public final class ArchiveFiles: Sendable {
    public let root: String
    private let lock = Mutex(())

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public func path(organizationID: String, day: ArchiveDay) -> String {
        "\(root)/\(organizationID)/\(day.text).ndjson.gz"
    }

    /// The file's size now (0 when it does not exist): where the next append starts.
    public func size(organizationID: String, day: ArchiveDay) -> Int64 {
        lock.withLock { _ in Self.size(path(organizationID: organizationID, day: day)) }
    }

    /// Appends one gzip member and returns once it is on disk.
    public func append(_ member: [UInt8], organizationID: String, day: ArchiveDay) throws {
        try lock.withLock { _ in
            let path = path(organizationID: organizationID, day: day)
            let directory = (path as NSString).deletingLastPathComponent
            if !FileManager.default.fileExists(atPath: directory) {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                Self.fsyncDirectory(root)
            }
            let existed = FileManager.default.fileExists(atPath: path)
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            guard fd >= 0 else { throw BlobStore.failure("open \(path)", errno) }
            defer { close(fd) }
            try Self.writeAll(fd, member, path: path)
            guard fsync(fd) == 0 else { throw BlobStore.failure("fsync \(path)", errno) }
            if !existed { Self.fsyncDirectory(directory) }
        }
    }

    /// Cuts the file back to `length` bytes (undoing an append that never committed). A file
    /// already that short, or missing, is left alone.
    public func truncate(organizationID: String, day: ArchiveDay, to length: Int64) throws {
        try lock.withLock { _ in
            let path = path(organizationID: organizationID, day: day)
            guard Self.size(path) > length else { return }
            guard Foundation.truncate(path, off_t(length)) == 0 else { throw BlobStore.failure("truncate \(path)", errno) }
            let fd = open(path, O_WRONLY)
            if fd >= 0 {
                _ = fsync(fd)
                close(fd)
            }
        }
    }

    /// The file's bytes up to `limit` (its committed length), or `nil` when it does not exist.
    public func read(organizationID: String, day: ArchiveDay, limit: Int64?) throws -> [UInt8]? {
        try lock.withLock { _ in
            let path = path(organizationID: organizationID, day: day)
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            let data: Data?
            if let limit {
                data = try handle.read(upToCount: Int(limit))
            } else {
                data = try handle.readToEnd()
            }
            return data.map { [UInt8]($0) } ?? []
        }
    }

    private static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var offset = 0
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let failure { throw BlobStore.failure("write \(path)", failure) }
    }

    private static func fsyncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}
