public import HookstreamCore

extension SQLStore {
    public func createToolSchedule(_ schedule: ToolSchedule, maxPending: Int) async throws -> Bool {
        try await database.write { db in
            // Counted and inserted in one transaction, so concurrent requests cannot pass the cap.
            let pending: Int = try db.fetchValue("SELECT COUNT(*) FROM tool_schedules WHERE client = ? AND status = 'pending'", [schedule.client]) ?? 0
            guard pending < maxPending else { return false }
            try db.execute(
                """
                    INSERT INTO tool_schedules (id, url, method, sealed_request, fires_at, status, created_at, client)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                [
                    schedule.id, schedule.url, schedule.method, schedule.sealedRequest, schedule.firesAt, schedule.status.rawValue,
                    schedule.createdAt, schedule.client,
                ])
            return true
        }
    }

    public func toolSchedule(id: String) async throws -> ToolSchedule? {
        try await database.read { db in
            try db.fetchOne("SELECT * FROM tool_schedules WHERE id = ?", [id]).map(Self.toolSchedule)
        }
    }

    public func claimDueToolSchedules(now: Int64, limit: Int) async throws -> [ToolSchedule] {
        try await database.write { db in
            let due = try db.fetchAll(
                "SELECT * FROM tool_schedules WHERE status = 'pending' AND fires_at <= ? ORDER BY fires_at, id LIMIT ?", [now, limit], Self.toolSchedule)
            for schedule in due {
                try db.execute("UPDATE tool_schedules SET status = 'firing', claimed_at = ? WHERE id = ? AND status = 'pending'", [now, schedule.id])
            }
            return due.map { schedule in
                var claimed = schedule
                claimed.status = .firing
                return claimed
            }
        }
    }

    public func finishToolSchedule(id: String, status: ToolSchedule.Status, responseStatus: Int?, error: String?, at: Int64) async throws {
        try await database.write { db in
            try db.execute(
                "UPDATE tool_schedules SET status = ?, response_status = ?, error = ?, completed_at = ? WHERE id = ? AND status = 'firing'",
                [status.rawValue, responseStatus, error, at, id])
        }
    }

    public func sweepToolSchedules(claimedBefore: Int64, finishedBefore: Int64, at: Int64) async throws {
        try await database.write { db in
            try db.execute(
                """
                    UPDATE tool_schedules SET status = 'failed', completed_at = ?,
                        error = 'interrupted: the server stopped while sending; not sent again, so it never fires twice'
                    WHERE status = 'firing' AND claimed_at < ?
                    """,
                [at, claimedBefore])
            try db.execute("DELETE FROM tool_schedules WHERE status IN ('completed', 'failed') AND completed_at < ?", [finishedBefore])
        }
    }

    public func nextToolScheduleDue() async throws -> Int64? {
        try await database.read { db in
            try db.fetchValue("SELECT MIN(fires_at) FROM tool_schedules WHERE status = 'pending'")
        }
    }

    static func toolSchedule(_ row: SQLRow) -> ToolSchedule {
        ToolSchedule(
            id: row["id"], url: row["url"], method: row["method"], sealedRequest: row["sealed_request"], firesAt: row["fires_at"],
            status: ToolSchedule.Status(rawValue: row["status"]) ?? .failed, responseStatus: row["response_status"], completedAt: row["completed_at"],
            error: row["error"], createdAt: row["created_at"], client: row["client"])
    }
}
