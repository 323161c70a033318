import Foundation
import HookstreamCore

/// Large event bodies, one file each under `<data-dir>/blobs/<org>/<yyyy-mm-dd>/<event id>`.
///
/// A blob is written and fsynced (file and directory) before the event row that refers to it
/// is committed, so a committed row never points at a missing file. A crash between the two
/// leaves an unreferenced file, which is harmless.
///
/// Nodes sharing a PostgreSQL database must all read every body, and one node's data directory
/// is not shared: there every body stays in its event row (`inlinesEveryBody`), where
/// PostgreSQL keeps large values out of line by itself. Files already named by events (an
/// import, an archive) are still read from here.
public struct BlobStore: Sendable {
    public let root: String
    /// Bodies up to this size stay in the event row; larger ones become files here.
    public let inlineLimit: Int

    public var inlinesEveryBody: Bool { inlineLimit == .max }

    public init(root: String, inlineEveryBody: Bool = false) throws {
        self.root = root
        self.inlineLimit = inlineEveryBody ? .max : Event.inlineBodyLimit
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    public func key(for event: String, organizationID: String, receivedAt: Int64) -> String {
        let day = Timestamp.iso(millis: receivedAt).prefix(10)
        return "\(organizationID)/\(day)/\(event)"
    }

    public func write(_ bytes: [UInt8], key: String) throws {
        let path = root + "/" + key
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch let error as CocoaError where error.code == .fileWriteOutOfSpace {
            throw StoreError.storageFull
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw Self.failure("open \(path)", errno) }
        var offset = 0
        let written: Int32? = bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let code = written {
            // A half-written body is never referenced by an event; do not leave it behind.
            unlink(path)
            throw Self.failure("write \(path)", code)
        }
        let dirFD = open(directory, O_RDONLY)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Deletes a body no event refers to (its event was not stored).
    public func remove(key: String) {
        unlink(root + "/" + key)
    }

    public func read(key: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: root + "/" + key) else {
            throw BlobStoreError.io("missing blob \(key)")
        }
        return [UInt8](data)
    }
}

public enum BlobStoreError: Error { case io(String) }

extension BlobStore {
    /// A full disk is ``StoreError/storageFull`` (answered 503); other errors are faults.
    static func failure(_ what: String, _ code: Int32) -> any Error {
        code == ENOSPC || code == EDQUOT ? StoreError.storageFull : BlobStoreError.io("\(what): errno \(code)")
    }
}
