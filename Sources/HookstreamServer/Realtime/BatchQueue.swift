import Synchronization

/// A queue with one consumer that takes everything waiting at once.
///
/// The real-time hub's queues (publications to render, each client's messages to write) fill
/// faster than they drain exactly when it matters: under load. An `AsyncStream` wakes its
/// consumer once per element; this queue hands over the whole backlog per wake-up, so a busy
/// consumer pays one wake-up, one event-loop hop and one socket write per batch instead of
/// per message. Producers never wait.
final class BatchQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waiter: CheckedContinuation<[Element]?, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    /// Appends `element`; dropped when the queue is finished, or when `limit` elements are
    /// already waiting.
    @discardableResult
    func append(_ element: Element, limit: Int = .max) -> Bool {
        var taken = true
        let waiter = state.withLock { s -> CheckedContinuation<[Element]?, Never>? in
            guard !s.finished, s.items.count < limit else {
                taken = false
                return nil
            }
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            s.items.append(element)
            return nil
        }
        waiter?.resume(returning: [element])
        return taken
    }

    /// No more elements: the consumer gets what is queued, then `nil`.
    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<[Element]?, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Everything queued, in order, waiting for at least one element; `nil` once the queue is
    /// finished and empty, or when the consuming task is cancelled.
    func next() async -> [Element]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { s -> [Element]?? in
                    if !s.items.isEmpty {
                        defer { s.items = [] }
                        return .some(s.items)
                    }
                    if s.finished || Task.isCancelled { return .some(nil) }
                    s.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<[Element]?, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
