public import Foundation
public import HookstreamCore
public import PGOutput
import JSONValue

/// A captured change as the event it is stored as, with its payload bytes.
public struct CapturedEvent: Sendable {
    public var event: Event
    public var body: [UInt8]
    /// ``RowChange/orderKey``: the change's deliveries wait for earlier ones of the same row.
    public var orderKey: String
}

/// Turns committed transactions into events. Pure: the capture loop hands it what it peeked
/// and the LSN it knows to be stored; the store checks again when committing.
public enum CaptureBatch {
    /// The events of one transaction, committed (or skipped) as a whole.
    public struct Transaction: Sendable {
        public var endLSN: UInt64
        public var events: [CapturedEvent]
    }

    /// - Parameters:
    ///   - confirmed: transactions ending at or before it are known to be stored, and skipped.
    ///   - database: the captured database's name, for the payload's `source.database`.
    ///   - snapshot: the source's snapshot, whose rows already hold the changes it covers
    ///     (``CaptureSnapshot/covers(table:xid:endLSN:)``); those are left out.
    public static func transactions(
        _ transactions: [CommittedTransaction], after confirmed: UInt64, source: Source, database: String, snapshot: CaptureSnapshot? = nil,
        now: Date
    ) -> [Transaction] {
        transactions.filter { $0.endLSN.value > confirmed }.map { transaction in
            let changes = transaction.changes.filter { change in
                snapshot?.covers(table: "\(change.schema).\(change.table)", xid: transaction.xid, endLSN: transaction.endLSN.value) != true
            }
            let events = changes.map {
                event($0, commitTime: transaction.commitTime, source: source, database: database, snapshot: false, now: now)
            }
            return Transaction(endLSN: transaction.endLSN.value, events: events)
        }
    }

    /// The events of a page of snapshot rows (`INSERT`s of the rows as read).
    /// - Parameter takenAt: when the snapshot's view was taken, microseconds since 2000-01-01
    ///   UTC: the payload's `timestamp`.
    public static func snapshotRows(_ rows: [RowChange], takenAt: Int64, source: Source, database: String, now: Date) -> [CapturedEvent] {
        rows.map { event($0, commitTime: takenAt, source: source, database: database, snapshot: true, now: now) }
    }

    private static func event(_ change: RowChange, commitTime: Int64, source: Source, database: String, snapshot: Bool, now: Date) -> CapturedEvent {
        let id = ResourceID.make(.event, now: now)
        let body = ChangePayload.make(change, eventID: id, commitTime: commitTime, database: database, sourceID: source.id, snapshot: snapshot)
            .serializedBytes()
        let event = Event(
            id: id, tenant: source.tenant, sourceID: source.id, method: "POST", headers: [:], query: [:],
            contentType: "application/json", sourceIP: nil, bodySize: body.count, body: .inline(body), receivedAt: Timestamp.millis(now))
        return CapturedEvent(event: event, body: body, orderKey: change.orderKey)
    }
}
