import HookstreamCore
import Testing

/// The seam between a snapshot and the stream: which streamed transactions the snapshot's rows
/// already hold (visible in the table's view), by PostgreSQL's visibility rules.
@Suite struct CaptureSnapshotTests {
    // xmin 100, xmax 110, 103 and 107 were running when the view was taken; WAL was at 5000.
    let view = CaptureSnapshot.View(snapshot: "100:110:103,107", lsn: 5000)

    @Test(arguments: [
        (UInt32(99), UInt64(4000), true),  // committed before every running one
        (105, 4000, true),  // between xmin and xmax, not running: committed before the view
        (103, 4000, false),  // running when the view was taken
        (107, 4900, false),
        (110, 4000, false),  // at xmax: started after the view
        (200, 4000, false),
        (105, 5001, false),  // its commit ends past the view's WAL position: committed after
    ])
    func visibility(xid: UInt32, endLSN: UInt64, visible: Bool) {
        #expect(view.includes(xid: xid, endLSN: endLSN) == visible)
    }

    @Test func xidsFromTheEpochBeforeXmaxAreOld() {
        // xmax in epoch 1 (2^32 + 10); an xid of 4294967290 is from epoch 0, long committed.
        let wrapped = CaptureSnapshot.View(snapshot: "4294967300:4294967306:", lsn: 100)
        #expect(wrapped.includes(xid: 4_294_967_290, endLSN: 50))
        #expect(wrapped.includes(xid: 5, endLSN: 50), "epoch 1's 5 = 4294967301, between xmin and xmax, not running")
        #expect(!wrapped.includes(xid: 10, endLSN: 50), "epoch 1's 10 is at xmax")
        #expect(!wrapped.includes(xid: 1000, endLSN: 50), "a later xid of the same epoch is never taken for an old one")
    }

    @Test func onlyTablesWithAViewCoverChanges() {
        var snapshot = CaptureSnapshot(of: ["public.orders", "public.users"])
        snapshot.tables[0].view = view
        #expect(snapshot.covers(table: "public.orders", xid: 105, endLSN: 4000))
        #expect(!snapshot.covers(table: "public.users", xid: 105, endLSN: 4000), "users not read yet")
        #expect(!snapshot.covers(table: "public.payments", xid: 105, endLSN: 4000))
        #expect(snapshot.status == .pending && snapshot.rows == 0)
    }

    @Test func anUnreadableViewCoversNothing() {
        #expect(!CaptureSnapshot.View(snapshot: "garbage", lsn: 5000).includes(xid: 1, endLSN: 1))
    }
}
