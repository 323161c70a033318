import HookstreamTesting
import JSONValue
import Testing

extension TestHTTPClient {
    /// Polls `path` until `done` holds for its JSON; records an issue (and returns the last
    /// answer) when `timeout` passes first. The default bound guards against a hang, not a
    /// speed: under the whole suite's load on a 2-core machine, a delivery retried once has
    /// taken more than 20 s.
    @discardableResult
    func eventually(_ path: String, timeout: Duration = .seconds(60), _ done: (JSON) -> Bool) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        var last = JSON.null
        while ContinuousClock.now < deadline {
            last = try await get(path).json
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("condition not met for \(path): \(last)")
        return last
    }
}
