import AsyncHTTPClient
import Foundation
import HookstreamCore
import JSONValue
import NIOCore
import NIOHTTP1

/// Signs requests to an AWS service and sends them through the outbound client (its policy,
/// its connection pool per host); turns what comes back into a ``ProviderResult`` whose
/// `error` carries AWS's own error code and message.
struct AWSTransport: Sendable {
    let client: OutboundHTTPClient
    static let responseBodyCap = 64 * 1024

    /// An answer as received.
    struct Answer: Sendable {
        var status: Int
        var headers: JSONObject
        var body: [UInt8]
    }

    /// Sends `request` to `service`, signed with the destination's credentials.
    /// - Parameter inspect: for a 2xx answer, the provider's reading of it (EventBridge's
    ///   failed entries); `nil` means success as answered.
    func send(
        _ request: SigV4.Request, service: String, config: ProviderConfig, payload: SigV4.Payload = .signed, timeout seconds: Double,
        now: Date, inspect: (Answer) -> ProviderResult? = { _ in nil }
    ) async -> ProviderResult {
        let signed: [(name: String, value: String)]
        do {
            let signer = SigV4(service: service, region: try config.required("region"))
            signed = signer.headers(for: request, credentials: try AWSSettings.credentials(config), date: now, payload: payload)
        } catch {
            return ProviderResult(outcome: .transportError(.other), error: "Destination settings are incomplete: \(error)")
        }
        var headers = request.headers + signed
        if let host = SigV4.hostHeader(request.url) { headers.append(("Host", host)) }
        headers.append(("User-Agent", "hookstream"))
        let shown = JSONObject(uniqueKeysWithValues: headers.map { ($0.name, JSON.string(SensitiveHeaders.masked($0.name, $0.value))) })

        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in headers { outgoing.headers.add(name: name, value: value) }
        if !request.body.isEmpty || request.method == "PUT" || request.method == "POST" {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let timeout = max(0.001, seconds)
        let answer: Answer
        do {
            answer = try await HTTPProvider.withTimeout(seconds: timeout) { [client, outgoing] in
                let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(timeout * 1000)), audience: .organization)
                var body: [UInt8] = []
                for try await chunk in response.body {
                    body += chunk.readableBytesView.prefix(Self.responseBodyCap - body.count)
                    if body.count >= Self.responseBodyCap { break }
                }
                var answered = JSONObject()
                for header in response.headers { answered[header.name.lowercased()] = .string(header.value) }
                return Answer(status: Int(response.status.code), headers: answered, body: body)
            }
        } catch {
            let kind = HTTPProvider.classify(error)
            return ProviderResult(outcome: .transportError(kind), requestHeaders: shown, error: "\(AttemptOutcome.transportError(kind).summary) (\(error))")
        }
        let text = String(decoding: answer.body, as: UTF8.self)
        guard (200..<300).contains(answer.status) else {
            let error = AWSError(status: answer.status, headers: answer.headers, body: answer.body)
            return ProviderResult(
                outcome: .response(statusCode: answer.status), requestHeaders: shown, responseHeaders: answer.headers, responseBody: text,
                error: error.description)
        }
        if var verdict = inspect(answer) {
            verdict.requestHeaders = shown
            verdict.responseHeaders = answer.headers
            verdict.responseBody = verdict.responseBody ?? text
            return verdict
        }
        return ProviderResult(outcome: .response(statusCode: answer.status), requestHeaders: shown, responseHeaders: answer.headers, responseBody: text)
    }
}

/// An AWS error answer: its code and message, from a JSON-protocol body (`__type`,
/// `message`), an XML one (`<Code>`, `<Message>`), or the `x-amzn-ErrorType` header.
struct AWSError: CustomStringConvertible, Equatable {
    var status: Int
    var code: String
    var message: String

    init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    init(status: Int, headers: JSONObject, body: [UInt8]) {
        self.status = status
        var code: String?
        var message: String?
        if case .object(let object)? = try? JSON(parsing: body) {
            code = (object["__type"] ?? object["code"] ?? object["Code"])?.stringValue
            message = (object["message"] ?? object["Message"])?.stringValue
        } else {
            let text = String(decoding: body, as: UTF8.self)
            code = Self.element("Code", in: text)
            message = Self.element("Message", in: text)
        }
        code = code ?? headers["x-amzn-errortype"]?.stringValue
        // `com.amazonaws.sqs#QueueDoesNotExist`, `ValidationException:http://…` → the name.
        if let raw = code {
            let name = raw.split(separator: "#").last.map(String.init) ?? raw
            code = name.split(separator: ":").first.map(String.init) ?? name
        }
        self.code = code ?? "HTTP \(status)"
        self.message = message ?? String(String(decoding: body, as: UTF8.self).prefix(200))
    }

    var description: String { "AWS error \(code): \(message) (HTTP \(status))" }

    /// The text of the first `<name>` element, entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
