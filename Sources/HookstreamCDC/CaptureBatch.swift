public import Foundation
public import HookstreamCore
public import PGOutput
import JSONValue

/// A captured change as the event it is stored as, with its payload bytes.
public struct CapturedEvent: Sendable {
    public var event: Event
    public var body: [UInt8]
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
    public static func transactions(
        _ transactions: [CommittedTransaction], after confirmed: UInt64, source: Source, database: String, now: Date
    ) -> [Transaction] {
        let receivedAt = Timestamp.millis(now)
        return transactions.filter { $0.endLSN.value > confirmed }.map { transaction in
            let events = transaction.changes.map { change in
                let id = ResourceID.make(.event, now: now)
                let body = ChangePayload.make(
                    change, eventID: id, commitTime: transaction.commitTime, database: database, sourceID: source.id, snapshot: false
                ).serializedBytes()
                let event = Event(
                    id: id, tenant: source.tenant, sourceID: source.id, method: "POST", headers: [:], query: [:],
                    contentType: "application/json", sourceIP: nil, bodySize: body.count, body: .inline(body), receivedAt: receivedAt)
                return CapturedEvent(event: event, body: body)
            }
            return Transaction(endLSN: transaction.endLSN.value, events: events)
        }
    }
}
