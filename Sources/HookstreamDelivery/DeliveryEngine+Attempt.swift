import Foundation
import HookstreamCore
import HookstreamStore
import JSONValue
import JSONata
import NIOPosix

extension DeliveryEngine {
    /// Makes one claimed attempt and records its result; the slot is released afterwards.
    func attempt(_ claim: Claim) async {
        if let sent = await send(claim) { await record(sent) }
    }

    /// Makes a batch of the held backlog one attempt at a time, each once the one before has
    /// its answer, so the receiver gets them in order; results are recorded meanwhile. Stops
    /// when the scheduler says the lane may not go on (circuit opened, destination paused,
    /// shutdown): the rest stays pending, due now, for the lane's next turn.
    func attemptInOrder(_ claims: [Claim]) async {
        await withDiscardingTaskGroup { recording in
            for (index, claim) in claims.enumerated() {
                let destinationID = claim.runtime.destination.id
                let goOn = index == 0 || state.withLock { $0.scheduler.mayContinueInOrder(destinationID) }
                guard goOn, !Task.isCancelled else {
                    let now = clock.nowMillis
                    for left in claims[index...] {
                        release(destinationID: left.claimed.attempt.destinationID, attemptID: left.claimed.attempt.id, retryAt: now)
                    }
                    return
                }
                if let sent = await send(claim) { recording.addTask { await self.record(sent) } }
            }
        }
    }

    /// An attempt that got its answer (or failed to), with the record to commit.
    struct Sent: Sendable {
        var claim: Claim
        var record: AttemptResult
    }

    /// Prepares and sends one claimed attempt and applies the result to the circuit. Returns
    /// `nil` when there is nothing to record; its slot is then already released.
    func send(_ claim: Claim) async -> Sent? {
        let attempt = claim.claimed.attempt
        let started = clock.now
        var result: ProviderResult
        do {
            switch try await prepare(claim.claimed, now: started) {
            case .message(let message):
                guard let provider = providers[claim.runtime.destination.type] else {
                    result = ProviderResult(outcome: .transportError(.other), error: "No provider for destination type \(claim.runtime.destination.type)")
                    break
                }
                result = await provider.send(message, to: claim.runtime)
            case .transformFailed(let reason):
                result = ProviderResult(outcome: .transformError, error: reason)
            }
        } catch {
            // The event's body could not be read: a fault on this side, so no attempt is
            // spent; the attempt stays pending and is tried again shortly.
            logger.error("could not prepare delivery", metadata: ["attempt_id": "\(attempt.id)", "error": "\(error)"])
            release(destinationID: attempt.destinationID, attemptID: attempt.id, retryAt: clock.nowMillis + 5000)
            return nil
        }
        // Abandoned at shutdown: the attempt stays pending and is sent again after restart.
        if Task.isCancelled {
            release(destinationID: attempt.destinationID, attemptID: attempt.id, retryAt: nil)
            return nil
        }
        return Sent(claim: claim, record: outcomeRecord(claim, result: result, started: started, finished: clock.now))
    }

    /// Commits a sent attempt's result (group-committed with others), then frees its slot.
    func record(_ sent: Sent) async {
        let attempt = sent.claim.claimed.attempt
        var retryAt: Int64?
        do {
            _ = try await recorder.submit(.attempt(sent.record))
            retryAt = sent.record.retry?.scheduledAt
            onRecorded(sent.record, sent.claim.runtime.destination)
        } catch {
            logger.error("could not record delivery attempt", metadata: ["attempt_id": "\(attempt.id)", "error": "\(error)"])
            retryAt = clock.nowMillis + 1000
        }
        release(destinationID: attempt.destinationID, attemptID: attempt.id, retryAt: retryAt)
    }

    enum Prepared {
        case message(OutboundMessage)
        case transformFailed(String)
    }

    /// The body to send: the event's bytes, or the connection's transform of them.
    func prepare(_ claimed: ClaimedAttempt, now: Date) async throws -> Prepared {
        let event = claimed.event
        var body: [UInt8]
        switch event.body {
        case .inline(let bytes): body = bytes
        case .blob(let key):
            let blobs = self.blobs
            body = try await NIOThreadPool.singleton.runIfActive { try blobs.read(key: key) }
        }
        var contentType = event.contentType
        if let expression = claimed.transformExpression {
            do {
                let compiled = try transforms.expression(expression)
                let input = (try? JSON(parsing: body)) ?? .string(String(decoding: body, as: UTF8.self))
                let bindings: [String: JSON] = ["headers": .object(event.headers), "method": .string(event.method), "query": .object(event.query)]
                guard let output = try compiled.evaluate(input, bindings: bindings) else {
                    return .transformFailed("Transform produced no value for this event")
                }
                body = output.serializedBytes()
                contentType = "application/json"
            } catch let error as JSONataError {
                return .transformFailed("Transform failed: \(error.code) \(error.message)")
            } catch {
                return .transformFailed("Transform failed: \(error)")
            }
        }
        return .message(
            OutboundMessage(
                eventID: event.id, attemptNumber: claimed.attempt.attemptNumber, body: body, contentType: contentType, now: now,
                event: EventFacts(sourceID: event.sourceID, method: event.method, headers: event.headers, receivedAt: event.receivedAt)))
    }

    /// Applies the result to the circuit breaker and the retry policy, and builds the record
    /// to commit.
    func outcomeRecord(_ claim: Claim, result: ProviderResult, started: Date, finished: Date) -> AttemptResult {
        let destination = claim.runtime.destination
        let classification = result.outcome.classification
        let finishedMs = Timestamp.millis(finished)
        let attempt = Self.made(claim.claimed.attempt, result: result, started: started, finished: finished)

        var record = AttemptResult(attempt: attempt)
        if !classification.isSuccess {
            switch destination.retry.decision(afterFailedAttempt: attempt.attemptNumber, outcome: result.outcome, retryAfter: result.retryAfter) {
            case .retry(let after):
                let at = finishedMs + Int64((after * 1000).rounded())
                record.attempt.nextRetryAt = at
                record.retry = DeliveryAttempt(
                    id: ResourceID.make(.deliveryAttempt), tenant: attempt.tenant, eventID: attempt.eventID, connectionID: attempt.connectionID,
                    destinationID: attempt.destinationID, attemptNumber: attempt.attemptNumber + 1, scheduledAt: at, createdAt: finishedMs)
            case .deadLetter:
                record.attempt.isDLQ = true
                record.attempt.dlqAt = finishedMs
            }
            if let type = classification.issueType { record.issue = (type, result.outcome.summary) }
        }

        // The circuit hears about every result that says something about the destination.
        let report = state.withLock { s in
            s.scheduler.finished(
                destinationID: destination.id, attemptID: attempt.id, isProbe: claim.isProbe, success: classification.isSuccess,
                affectsCircuit: classification.affectsCircuit, now: finishedMs)
        }
        if report.opened {
            record.circuitOpened = ("Circuit opened after \(report.failureCount) consecutive failures: \(result.outcome.summary)", finishedMs)
        }
        record.circuit = report.change.map { ($0.circuit, $0.version) }
        return record
    }

    /// The attempt as made: its status and the response facts of `result`.
    static func made(_ pending: DeliveryAttempt, result: ProviderResult, started: Date, finished: Date) -> DeliveryAttempt {
        let classification = result.outcome.classification
        var attempt = pending
        attempt.status = classification.isSuccess ? .success : .failed
        attempt.attemptedAt = Timestamp.millis(started)
        switch result.outcome {
        case .response(let code), .rejected(let code): attempt.statusCode = code
        default: break
        }
        attempt.latencyMs = Int((finished.timeIntervalSince(started) * 1000).rounded())
        attempt.requestHeaders = result.requestHeaders.isEmpty ? nil : result.requestHeaders
        attempt.responseHeaders = result.responseHeaders
        attempt.responseBody = result.responseBody
        attempt.error = classification.isSuccess ? nil : (result.error ?? result.outcome.summary)
        attempt.errorType = classification.issueType?.rawValue
        return attempt
    }

    /// Frees the attempt's slot, notes when the lane has work again, and wakes the loop.
    func release(destinationID: String, attemptID: String, retryAt: Int64?) {
        let idle = state.withLock { s in
            s.scheduler.recorded(destinationID: destinationID, attemptID: attemptID, retryAt: retryAt)
            return s.scheduler.inFlight == 0 ? s.idle.take() : nil
        }
        idle?.resume()
        signal()
    }
}
