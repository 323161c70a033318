import Foundation
public import HookstreamCore

extension Schema {
    /// The event archive kept in the database (`DatabaseArchive`, for nodes sharing one): each
    /// gzip member a row at its offset in the organization's day.
    static let eventArchiveMembers = """
        CREATE TABLE event_archive_members (
            org_id TEXT NOT NULL,
            day TEXT NOT NULL,
            file_offset INTEGER NOT NULL,
            length INTEGER NOT NULL,
            member BLOB NOT NULL,
            PRIMARY KEY (org_id, day, file_offset)
        );
        """
}

extension SQLStore {
    func archiveLength(organizationID: String, day: ArchiveDay) async throws -> Int64 {
        try await database.read { db in try Self.archiveEnd(db, organizationID: organizationID, day: day) }
    }

    /// Where the day's next member starts: the end of its last one (0 for a day with none).
    private static func archiveEnd(_ db: SQLConnection, organizationID: String, day: ArchiveDay) throws -> Int64 {
        try db.fetchValue(
            "SELECT COALESCE(MAX(file_offset + length), 0) FROM event_archive_members WHERE org_id = ? AND day = ?", [organizationID, day.text]) ?? 0
    }

    /// Appends at the day's current end (one retention run at a time appends: its lease).
    func appendArchiveMember(_ member: [UInt8], organizationID: String, day: ArchiveDay) async throws {
        try await Self.reportingFullDisk {
            try await database.write { db in
                let end = try Self.archiveEnd(db, organizationID: organizationID, day: day)
                try db.execute(
                    "INSERT INTO event_archive_members (org_id, day, file_offset, length, member) VALUES (?, ?, ?, ?, ?)",
                    [organizationID, day.text, end, Int64(member.count), Data(member)])
            }
        }
    }

    func cutArchiveBack(organizationID: String, day: ArchiveDay, to length: Int64) async throws {
        try await database.write { db in
            try db.execute("DELETE FROM event_archive_members WHERE org_id = ? AND day = ? AND file_offset >= ?", [organizationID, day.text, length])
        }
    }

    /// The members that start before `limit`, in order; members are never split, and every
    /// offset below `limit` starts one (limits are lengths the archive had).
    func archiveBytes(organizationID: String, day: ArchiveDay, limit: Int64?) async throws -> [UInt8]? {
        try await database.read { db in
            var bytes: [UInt8] = []
            var found = false
            try db.forEach(
                "SELECT member FROM event_archive_members WHERE org_id = ? AND day = ? AND file_offset < ? ORDER BY file_offset",
                [organizationID, day.text, limit ?? .max]
            ) { row in
                found = true
                bytes += [UInt8](row["member"] as Data)
            }
            return found ? bytes : nil
        }
    }
}
