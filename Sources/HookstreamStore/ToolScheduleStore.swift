public import HookstreamCore

/// Webhooks scheduled through the tools API (see ``ToolSchedule`` for their life). Not tenant
/// data: the tools API is unauthenticated, and a schedule is found by its unguessable ID.
public protocol ToolScheduleStore: Sendable {
    /// Stores a pending schedule unless its client already has `maxPending` pending ones.
    /// Returns whether it was stored.
    func createToolSchedule(_ schedule: ToolSchedule, maxPending: Int) async throws -> Bool
    func toolSchedule(id: String) async throws -> ToolSchedule?
    /// In one transaction: marks at most `limit` pending schedules due at `now` as `firing`
    /// and returns them, earliest first. A schedule is handed out once, ever.
    func claimDueToolSchedules(now: Int64, limit: Int) async throws -> [ToolSchedule]
    /// Records how a claimed schedule's send ended.
    func finishToolSchedule(id: String, status: ToolSchedule.Status, responseStatus: Int?, error: String?, at: Int64) async throws
    /// Fails the `firing` schedules claimed before `claimedBefore` (their node died mid-send)
    /// and forgets finished ones completed before `finishedBefore`.
    func sweepToolSchedules(claimedBefore: Int64, finishedBefore: Int64, at: Int64) async throws
    /// When the earliest pending schedule is due, if any.
    func nextToolScheduleDue() async throws -> Int64?
}
