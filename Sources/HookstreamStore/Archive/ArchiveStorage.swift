public import HookstreamCore
import NIOPosix

/// Where retention's archive lives: per organization and UTC day, one sequence of gzip members
/// (one per batch) that grows at its end, is cut back to an earlier length when an append never
/// committed, and is read whole for a restore.
///
/// An embedded installation keeps it in files under the data directory (``ArchiveFiles``);
/// nodes sharing a PostgreSQL database keep it in the database (``DatabaseArchive``), because
/// retention runs on whichever node holds its lease and a restore may be asked of any node.
public protocol ArchiveStorage: Sendable {
    /// The day's length in bytes (0 when it has none): where the next member starts.
    func length(organizationID: String, day: ArchiveDay) async throws -> Int64
    /// Adds one gzip member at the end, durably, before returning.
    func appendMember(_ member: [UInt8], organizationID: String, day: ArchiveDay) async throws
    /// Cuts the day back to `length` bytes (undoing an append that never committed).
    func cutBack(organizationID: String, day: ArchiveDay, to length: Int64) async throws
    /// The day's bytes up to `limit`, or nil when it has none.
    func bytes(organizationID: String, day: ArchiveDay, limit: Int64?) async throws -> [UInt8]?
    /// Where the day is kept, for an operator reading an error.
    func location(organizationID: String, day: ArchiveDay) -> String
}

extension ArchiveFiles: ArchiveStorage {
    // File I/O (and its fsyncs) runs on NIO's blocking pool, off the cooperative threads.

    public func length(organizationID: String, day: ArchiveDay) async throws -> Int64 {
        try await NIOThreadPool.singleton.runIfActive { self.size(organizationID: organizationID, day: day) }
    }

    public func appendMember(_ member: [UInt8], organizationID: String, day: ArchiveDay) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.append(member, organizationID: organizationID, day: day) }
    }

    public func cutBack(organizationID: String, day: ArchiveDay, to length: Int64) async throws {
        try await NIOThreadPool.singleton.runIfActive { try self.truncate(organizationID: organizationID, day: day, to: length) }
    }

    public func bytes(organizationID: String, day: ArchiveDay, limit: Int64?) async throws -> [UInt8]? {
        try await NIOThreadPool.singleton.runIfActive { try self.read(organizationID: organizationID, day: day, limit: limit) }
    }

    public func location(organizationID: String, day: ArchiveDay) -> String { path(organizationID: organizationID, day: day) }
}

/// The archive in the database every node shares: each member a row keyed by where it starts
/// in its day (`SQLStore`'s `event_archive_members`). Compressed, a member holds a batch in a
/// fraction of the rows' space, and every node reads it.
public struct DatabaseArchive: ArchiveStorage {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }

    public func length(organizationID: String, day: ArchiveDay) async throws -> Int64 {
        try await store.archiveLength(organizationID: organizationID, day: day)
    }

    public func appendMember(_ member: [UInt8], organizationID: String, day: ArchiveDay) async throws {
        try await store.appendArchiveMember(member, organizationID: organizationID, day: day)
    }

    public func cutBack(organizationID: String, day: ArchiveDay, to length: Int64) async throws {
        try await store.cutArchiveBack(organizationID: organizationID, day: day, to: length)
    }

    public func bytes(organizationID: String, day: ArchiveDay, limit: Int64?) async throws -> [UInt8]? {
        try await store.archiveBytes(organizationID: organizationID, day: day, limit: limit)
    }

    public func location(organizationID: String, day: ArchiveDay) -> String {
        "the database's archive of \(organizationID) for \(day.text)"
    }
}
