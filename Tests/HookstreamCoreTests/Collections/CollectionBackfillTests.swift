import HookstreamCore
import Testing

@Suite struct CollectionBackfillTests {
    private let running = CollectionBackfill(
        id: "bf_1", collectionID: "col_1", tenant: Tenant(organizationID: "org_1", environmentID: "env_1"), progress: 4, total: 10, cursor: "evt_4",
        throughEventID: "evt_10", startedAt: 100)

    @Test func aBatchAdvancesProgressAndCursorAndAnEmptyOneCompletes() {
        let next = running.advanced(applied: 3, lastEventID: "evt_7", at: 200)
        #expect(next.status == .running && next.progress == 7 && next.cursor == "evt_7" && next.completedAt == nil)
        let done = next.advanced(applied: 0, lastEventID: nil, at: 300)
        #expect(done.status == .completed && done.progress == 7 && done.cursor == "evt_7" && done.completedAt == 300)
    }

    @Test(arguments: [CollectionBackfill.Status.completed, .failed])
    func onlyARunningBackfillChanges(_ status: CollectionBackfill.Status) {
        var ended = running
        ended.status = status
        #expect(ended.advanced(applied: 5, lastEventID: "evt_9", at: 200) == ended)
        #expect(ended.failed("late", at: 200) == ended)
    }

    @Test func failingKeepsTheProgressAndSaysWhy() {
        let failed = running.failed("The collection was deleted", at: 250)
        #expect(failed.status == .failed && failed.error == "The collection was deleted" && failed.completedAt == 250 && failed.progress == 4)
    }
}
