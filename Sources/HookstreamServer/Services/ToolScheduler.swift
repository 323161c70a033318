import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import JSONValue
import Logging
import ServiceLifecycle

/// Fires the webhooks scheduled through `POST /v1/tools/schedule` when they are due, on the
/// injected clock: it sleeps until the earliest pending one is due (looking again at least
/// every ``pollSeconds``, so schedules made meanwhile, here or on another node, are seen),
/// claims the due ones and sends them concurrently.
///
/// The claim (`pending` → `firing`) is one database transaction and hands a schedule out once,
/// ever, so any number of nodes can run this without a lease and none fires a schedule twice;
/// a schedule survives restarts because it lives only in the database. A graceful shutdown
/// lets the sends in flight finish; a schedule whose node was killed mid-send is failed as
/// interrupted by the next sweep, never sent again (see ``ToolSchedule``).
struct ToolScheduler: Service {
    let store: any Store
    let secrets: SecretBox
    let sender: ToolSender
    let clock: any GatewayClock
    let logger: Logger

    static let pollSeconds = 1.0
    /// Schedules claimed (and sent concurrently) per round.
    static let batchSize = 32

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var wake = clock.now.addingTimeInterval(Self.pollSeconds)
            do {
                // A full batch means more may be due: go round again at once.
                if try await fireDue(now: clock.nowMillis) == Self.batchSize { continue }
                if let due = try await store.nextToolScheduleDue() {
                    wake = min(wake, Date(timeIntervalSince1970: Double(due) / 1000))
                }
            } catch {
                logger.warning("scheduled webhooks: a round failed", metadata: ["error": "\(error)"])
            }
            let deadline = wake
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline) }
            } catch {
                return
            }
        }
    }

    /// Sweeps, claims what is due at `now` and sends it; returns how many were claimed.
    @discardableResult
    func fireDue(now: Int64) async throws -> Int {
        try await store.sweepToolSchedules(
            claimedBefore: now - ToolSchedule.claimLifetimeMillis, finishedBefore: now - ToolSchedule.retentionMillis, at: now)
        let claimed = try await store.claimDueToolSchedules(now: now, limit: Self.batchSize)
        await withTaskGroup(of: Void.self) { group in
            for schedule in claimed { group.addTask { await fire(schedule) } }
        }
        return claimed.count
    }

    private func fire(_ schedule: ToolSchedule) async {
        var responseStatus: Int?
        var failure: String?
        do {
            let request = try Self.request(of: schedule, secrets: secrets)
            let answer = try await sender.send(request, extraHeaders: [("X-hookstream-Schedule-Id", schedule.id)])
            responseStatus = answer.status
            failure = answer.error
        } catch let refusal as OutboundRefusal {
            failure = "\(refusal)"
        } catch {
            failure = "The scheduled request could not be prepared: \(error)"
        }
        let outcome = ToolSchedule.outcome(responseStatus: responseStatus, error: failure)
        do {
            try await store.finishToolSchedule(
                id: schedule.id, status: outcome.status, responseStatus: responseStatus, error: outcome.error, at: clock.nowMillis)
        } catch {
            logger.error("scheduled webhook sent but its outcome was not stored", metadata: ["schedule_id": "\(schedule.id)", "error": "\(error)"])
        }
    }

    /// The stored request, headers and body unsealed.
    static func request(of schedule: ToolSchedule, secrets: SecretBox) throws -> ToolRequest {
        let sealed = try JSON(parsing: Array(try secrets.open(schedule.sealedRequest).utf8))
        let headers = (sealed["headers"]?.arrayValue ?? []).compactMap { pair -> (name: String, value: String)? in
            guard let name = pair[0]?.stringValue, let value = pair[1]?.stringValue else { return nil }
            return (name, value)
        }
        return ToolRequest(url: schedule.url, method: schedule.method, headers: headers, body: sealed["body"]?.stringValue)
    }

    /// What `request(of:)` reads back: headers as `[name, value]` pairs (order kept) and the body.
    static func seal(_ request: ToolRequest, secrets: SecretBox) throws -> String {
        let headers = JSON.array(request.headers.map { JSON.array([.string($0.name), .string($0.value)]) })
        return try secrets.seal(JSON.object(["headers": headers, "body": request.body.map(JSON.string) ?? .null]).serialized())
    }
}
