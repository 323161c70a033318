import ArgumentParser
import AsyncHTTPClient
import Foundation
import HookstreamClient
import HookstreamCore
import HookstreamDelivery
import JSONValue
import NIOCore
import NIOHTTP1

extension EventsCommand {
    /// `hookstream events replay <evt> --to <url>`: the stored request sent once, from this
    /// machine, to a URL — usually a handler under development on localhost. It is sent from
    /// where the CLI runs (not the server) so `localhost` means the developer's machine, and
    /// through the outbound policy with an organization's rules: metadata addresses refused,
    /// private and loopback allowed. Nothing is recorded on the server.
    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a stored event's request (method, headers, exact body) to a URL once and print the answer.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Event ID.") var id: String
        @Option(help: "Where to send it, e.g. http://localhost:3000/webhook.") var to: String
        @Option(help: "Seconds to wait for the answer.") var timeout: Double = 30

        static let shownBodyLimit = 64 * 1024

        func run() async throws {
            try await runClient {
                guard timeout > 0, timeout <= 300 else { throw CLIError("--timeout must be between 0 and 300 seconds") }
                let api = try global.client()
                let path = "/v1/events/" + APIClient.escape(id)
                let event = try await api.get(path)
                var body = ByteBuffer()
                try await api.download(path + "/body") { chunk in body.writeImmutableBuffer(chunk) }

                let method = event["method"]?.stringValue ?? "POST"
                let client = OutboundHTTPClient(policy: OutboundPolicy())
                let answer: RequestRelay.Answer
                do {
                    answer = try await RequestRelay.send(
                        .init(method: method, headers: Self.headers(event["headers"]), body: body), to: to, client: client, audience: .organization,
                        timeoutSeconds: timeout)
                    await client.shutdown()
                } catch {
                    await client.shutdown()
                    throw CLIError("\(method) \(to) failed: \(error)")
                }
                let milliseconds = answer.latencyMillis
                let text = String(decoding: answer.body.readableBytesView.prefix(Self.shownBodyLimit), as: UTF8.self)
                var headers = JSONObject()
                for header in answer.headers { headers[header.name.lowercased()] = .string(header.value) }
                let result: JSON = [
                    "event_id": .string(id), "url": .string(to), "method": .string(method),
                    "status_code": .number(Double(answer.status.code)), "latency_ms": .number((milliseconds * 10).rounded() / 10),
                    "response_headers": .object(headers), "response_body": .string(text),
                ]
                global.output(result) {
                    var lines = ["\(method) \(to) → \(answer.status.code) \(answer.status.reasonPhrase) in \(Int(milliseconds.rounded())) ms"]
                    if !text.isEmpty { lines += ["", text] }
                    if answer.body.readableBytes > Self.shownBodyLimit || answer.truncated { lines.append("… (\(answer.body.readableBytes)\(answer.truncated ? "+" : "") bytes, first \(Self.shownBodyLimit) shown)") }
                    return lines.joined(separator: "\n")
                }
                // A receiver that did not accept it fails the command, so scripts can tell.
                guard (200..<300).contains(Int(answer.status.code)) else { throw ExitCode(1) }
            }
        }

        /// The stored headers as name/value pairs (repeated headers are stored as arrays).
        static func headers(_ stored: JSON?) -> [(name: String, value: String)] {
            (stored?.objectValue ?? [:]).flatMap { name, value -> [(name: String, value: String)] in
                switch value {
                case .string(let text): return [(name, text)]
                case .array(let values): return values.compactMap { $0.stringValue }.map { (name, $0) }
                default: return []
                }
            }
        }
    }
}
