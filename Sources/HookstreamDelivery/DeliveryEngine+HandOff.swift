import HookstreamCore
import HookstreamStore

/// Live traffic without a claim: an arriving event's first attempts go from the ingest commit
/// straight to the lanes that can send them at once, so the store is not read back for
/// attempts (and their event's body) that were in memory a moment ago.
///
/// The slots are reserved *before* the commit (``reserve(routes:transforms:orderKey:)``): from
/// then on the attempts count as in flight, so no claim planned afterwards can take them, and
/// a claim cannot start one twice. Reserving after the commit would leave a window in which a
/// claim finds the committed attempt, sends it and records it, and the hand-off sends it again.
/// After the commit, ``handOff(_:event:committed:)`` starts what was committed and frees the
/// rest; if the commit failed, ``cancel(_:)`` frees everything and wakes the lanes, in case it
/// committed after all. Whatever is not reserved (a lane with a backlog, an open circuit, no
/// free slot, another node sharing the database) is committed as before and claimed after a
/// wake.
extension DeliveryEngine {
    /// The first attempts of one arriving event: the IDs they are stored under, and which of
    /// them the engine reserved.
    public struct Reservation: Sendable {
        /// One per route, in order: the ID its first attempt is stored under.
        public let attemptIDs: [String]
        let routes: [Route]
        let transforms: [String?]
        let reserved: [Bool]
    }

    /// Gives each route's first attempt its ID and reserves a slot for those whose lane could
    /// send them now (``DeliveryScheduler/reserve(destinationID:attemptIDs:now:)``). Events with
    /// an order key are never reserved: their attempts wait in the store behind earlier ones.
    /// - Parameter transforms: per route, its connection's transform when enabled.
    public func reserve(routes: [Route], transforms: [String?], orderKey: String?) -> Reservation {
        let ids = routes.map { _ in ResourceID.make(.deliveryAttempt) }
        var reserved = [Bool](repeating: false, count: routes.count)
        if orderKey == nil && !routes.isEmpty && configuration.sharing == nil {
            let now = clock.nowMillis
            let byDestination = Dictionary(grouping: routes.indices, by: { routes[$0].destinationID })
            state.withLock { s in
                for (destinationID, indices) in byDestination
                where s.scheduler.reserve(destinationID: destinationID, attemptIDs: indices.map { ids[$0] }, now: now) {
                    for index in indices { reserved[index] = true }
                }
            }
        }
        return Reservation(attemptIDs: ids, routes: routes, transforms: transforms, reserved: reserved)
    }

    /// The event is committed with the attempts `committed` names: the reserved ones among
    /// them start now, the reservations of the others are freed. Returns the routes whose
    /// committed attempts were not started here, for their destinations to be woken.
    public func handOff(_ reservation: Reservation, event: Event, committed: [String]) -> [Route] {
        let committed = Set(committed)
        var routed = event
        routed.status = .processing
        var toWake: [Route] = []
        var freed: [(destinationID: String, attemptID: String)] = []
        state.withLock { s in
            for (index, route) in reservation.routes.enumerated() {
                let id = reservation.attemptIDs[index]
                let isCommitted = committed.contains(id)
                guard reservation.reserved[index] else {
                    if isCommitted { toWake.append(route) }
                    continue
                }
                // Shutting down, the engine starts nothing new: the attempt stays pending.
                guard isCommitted, !s.scheduler.isShuttingDown, let runtime = s.scheduler.runtime(of: route.destinationID) else {
                    freed.append((route.destinationID, id))
                    if isCommitted { toWake.append(route) }
                    continue
                }
                let attempt = DeliveryAttempt(
                    id: id, tenant: event.tenant, eventID: event.id, connectionID: route.connectionID, destinationID: route.destinationID,
                    scheduledAt: event.receivedAt, createdAt: event.receivedAt)
                s.handedOff.append(
                    Claim(claimed: ClaimedAttempt(attempt: attempt, event: routed, transformExpression: reservation.transforms[index]), runtime: runtime, isProbe: false))
            }
        }
        for (destinationID, attemptID) in freed { release(destinationID: destinationID, attemptID: attemptID, retryAt: nil) }
        signal()
        return toWake
    }

    /// The commit failed, or its outcome is unknown: the reservations are freed and every
    /// route's destination is woken, so anything that did commit is claimed from the store.
    public func cancel(_ reservation: Reservation) {
        for (index, route) in reservation.routes.enumerated() where reservation.reserved[index] {
            release(destinationID: route.destinationID, attemptID: reservation.attemptIDs[index], retryAt: nil)
        }
        for destinationID in Set(reservation.routes.map(\.destinationID)) { wake(destinationID: destinationID) }
    }
}
