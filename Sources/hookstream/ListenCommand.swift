import ArgumentParser
import Dispatch
import Foundation
import HookstreamClient
import HookstreamCore
import JSONValue

/// `hookstream listen`: a webhook URL whose requests appear in the terminal as they arrive,
/// optionally relayed to a local server.
///
/// Without `--source` a test session is created (no account needed). The requests are
/// followed over the session's live feed (`/v1/ws/test/:id`); with `--forward` each one is
/// sent from this machine — so `localhost` is the developer's machine, behind any NAT — with
/// its method, headers and exact body bytes, and its status and latency are printed on its
/// line. A dropped connection is retried with backoff; Ctrl-C stops cleanly.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen", abstract: "Stream a webhook URL's requests to the terminal, optionally forwarding them to a local URL.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Relay each request to this URL, e.g. http://localhost:3000/webhooks.") var forward: String?
    @Flag(help: "Print each request's headers and body.") var full = false
    @Option(help: "Follow this test session or source instead of creating a session (a source needs an API key).") var source: String?
    @Option(help: "Seconds the local server may take to answer a relayed request.") var timeout: Double = 30

    func run() async throws {
        try await runClient {
            guard timeout > 0, timeout <= 300 else { throw CLIError("--timeout must be between 0 and 300 seconds") }
            if let forward {
                guard let scheme = URLComponents(string: forward)?.scheme?.lowercased(), scheme == "http" || scheme == "https",
                    URLComponents(string: forward)?.host?.isEmpty == false
                else { throw CLIError("--forward must be an absolute http(s) URL") }
            }
            let api = try global.client(requireKey: false)
            let target = try await resolveTarget(api)
            var lines = ["Listening on \(api.baseURL)/v1/ingest/\(target.sourceID)"]
            if let expires = target.expiresAt { lines.append("Test session \(target.sourceID), expires \(expires)") }
            if let forward { lines.append("Forwarding to \(forward)") }
            lines.append("Press Ctrl-C to stop.")
            if global.json {
                // One JSON document per line, the events following: easy to pipe.
                let header: JSON = [
                    "listening": .string("\(api.baseURL)/v1/ingest/\(target.sourceID)"), "source_id": .string(target.sourceID),
                    "test_session": .bool(target.isTestSession), "expires_at": target.expiresAt.map(JSON.string) ?? .null,
                    "forward": forward.map(JSON.string) ?? .null,
                ]
                print(header.serialized())
            } else {
                print(lines.joined(separator: "\n"))
            }
            flushStandardOutput()

            let listener = WebhookListener(
                api: api, target: target, forward: forward, full: full, timeoutSeconds: timeout, json: global.json)
            let run = Task { try await listener.run() }
            // Ctrl-C (and SIGTERM) end the stream between two requests, not in the middle of
            // printing one, and exit 0.
            let signals = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { run.cancel() }
                source.resume()
                return source
            }
            defer { signals.forEach { $0.cancel() } }
            do {
                try await run.value
            } catch is CancellationError {
                // Stopped by a signal.
            }
            FileHandle.standardError.write(Data("Stopped listening.\n".utf8))
        }
    }

    /// The source to follow, and how its events and bodies are reached.
    private func resolveTarget(_ api: APIClient) async throws -> WebhookListener.Target {
        guard let source else {
            let session = try await api.post("/v1/test/sessions", [:])
            guard let id = session["session_id"]?.stringValue else { throw CLIError("The server did not return a session") }
            return .init(sourceID: id, isTestSession: true, expiresAt: session["expires_at"]?.stringValue)
        }
        // A live test session answers here without credentials; anything else is an ordinary
        // source, followed with the API key.
        if let session = try? await api.get("/v1/test/sessions/" + APIClient.escape(source)) {
            return .init(sourceID: source, isTestSession: true, expiresAt: session["session"]?["expires_at"]?.stringValue)
        }
        guard api.apiKey != nil else {
            throw CLIError("\(source) is not a live test session; following a source needs an API key (hookstream login, or --api-key)")
        }
        _ = try await api.get("/v1/sources/" + APIClient.escape(source))
        return .init(sourceID: source, isTestSession: false, expiresAt: nil)
    }
}
