import ArgumentParser
import Foundation
import HookstreamClient
import HookstreamCore
import HookstreamDelivery
import JSONValue
import NIOCore

/// `hookstream test [SOURCE_ID]`: sends one test webhook to a source's ingest URL, as a
/// provider would (no API key: ingest is public), and prints what the source answered. Without
/// a source it creates a test session first and sends to that, printing the session's URL.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Send a test event to a source (or to a new test session).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Source or test session ID; without it a test session is created.") var source: String?
    @Option(help: "The body: JSON text, or @path to read it from a file.") var payload: String?
    @Option(help: "Read the body from this file, sent as is.") var file: String?
    @Option(name: .customShort("H"), help: "A header as 'Name: value' (repeatable).") var header: [String] = []
    @Option(help: "HTTP method.") var method = "POST"

    func run() async throws {
        try await runClient {
            guard payload == nil || file == nil else { throw CLIError("Give --payload or --file, not both") }
            let api = try global.client(requireKey: false)
            let body = try self.body()
            var headers = try header.map(Self.parse)
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
                headers.append(("Content-Type", file == nil || file?.hasSuffix(".json") == true ? "application/json" : "application/octet-stream"))
            }
            var created: JSON?
            let id: String
            if let source {
                id = source
            } else {
                let session = try await api.post("/v1/test/sessions", [:])
                guard let sessionID = session["session_id"]?.stringValue else { throw CLIError("The server did not return a session") }
                created = session
                id = sessionID
            }
            let url = api.baseURL + "/v1/ingest/" + APIClient.escape(id)
            let client = OutboundHTTPClient(policy: OutboundPolicy())
            let answer: RequestRelay.Answer
            do {
                answer = try await RequestRelay.send(
                    .init(method: method.uppercased(), headers: headers, body: ByteBuffer(bytes: body)), to: url, client: client,
                    audience: .organization, timeoutSeconds: 30, maxResponseBytes: 64 * 1024)
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw CLIError("\(method.uppercased()) \(url) failed: \(error)")
            }
            let text = String(decoding: answer.body.readableBytesView, as: UTF8.self)
            let parsed = try? JSON(parsing: answer.body.readableBytesView)
            var result: JSONObject = [
                "url": .string(url), "method": .string(method.uppercased()), "status_code": .number(Double(answer.status.code)),
                "latency_ms": .number((answer.latencyMillis * 10).rounded() / 10), "response": parsed ?? .string(text),
            ]
            if let created { result["session"] = created }
            global.output(.object(result)) {
                var lines: [String] = []
                if let created {
                    lines.append("Created test session \(id) (expires \(created["expires_at"]?.cell ?? "-"))")
                    lines.append("  URL: \(url)")
                    lines.append("  Inspect: hookstream listen --source \(id)")
                }
                lines.append("\(method.uppercased()) \(url) → \(answer.status.code) in \(Int(answer.latencyMillis.rounded())) ms")
                if let eventID = parsed?["event_id"]?.stringValue { lines.append("event_id: \(eventID)") } else if !text.isEmpty { lines.append(text) }
                return lines.joined(separator: "\n")
            }
            guard (200..<300).contains(Int(answer.status.code)) else { throw ExitCode(1) }
        }
    }

    private func body() throws -> [UInt8] {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("Cannot read \(file)") }
            return [UInt8](data)
        }
        if let payload { return try jsonOption(payload, "--payload").serializedBytes() }
        let sample: JSON = [
            "type": "hookstream.test", "message": "Test event from the hookstream CLI", "sent_at": .string(Timestamp.iso(Date())),
        ]
        return sample.serializedBytes()
    }

    /// `Name: value` or `Name:value`.
    static func parse(_ text: String) throws -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else { throw CLIError("-H must look like 'Name: value', not '\(text)'") }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard OutboundSigningConfig.isToken(name) else { throw CLIError("-H has an invalid header name '\(name)'") }
        return (name, value)
    }
}
