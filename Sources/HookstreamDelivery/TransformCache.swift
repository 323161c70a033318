import JSONata
import Synchronization

/// Compiled JSONata expressions by their text, so an expression is parsed once, not per event.
/// Bounded: past `capacity` distinct expressions the cache starts over (expressions are few;
/// this only guards against unbounded growth).
final class TransformCache: Sendable {
    private let compiled = Mutex<[String: JSONata]>([:])
    private let capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    func expression(_ text: String) throws -> JSONata {
        if let hit = compiled.withLock({ $0[text] }) { return hit }
        let expression = try JSONata(text)
        compiled.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[text] = expression
        }
        return expression
    }
}
