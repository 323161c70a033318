import Foundation
import HookstreamCore
import JSONValue

/// Signs requests to an AWS service and sends them through the shared ``ServiceHTTP``
/// exchange; turns what comes back into a ``ProviderResult`` whose `error` carries AWS's own
/// error code and message.
struct AWSTransport: Sendable {
    let http: ServiceHTTP

    init(client: OutboundHTTPClient) { http = ServiceHTTP(client: client) }

    typealias Answer = ServiceHTTP.Answer

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
            return ServiceHTTP.incomplete(error)
        }
        var headers = request.headers + signed
        if let host = SigV4.hostHeader(request.url) { headers.append(("Host", host)) }
        let answer: Answer
        let shown: JSONObject
        switch await http.exchange(ServiceHTTP.Request(method: request.method, url: request.url, headers: headers, body: request.body), timeout: seconds) {
        case .failed(let result): return result
        case .answered(let received, let headers): (answer, shown) = (received, headers)
        }
        guard answer.isSuccess else {
            let error = AWSError(status: answer.status, headers: answer.headers, body: answer.body)
            return ServiceHTTP.result(answer, shown: shown, error: error.description)
        }
        if var verdict = inspect(answer) {
            verdict.requestHeaders = shown
            verdict.responseHeaders = answer.headers
            verdict.responseBody = verdict.responseBody ?? answer.text
            return verdict
        }
        return ServiceHTTP.result(answer, shown: shown)
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
