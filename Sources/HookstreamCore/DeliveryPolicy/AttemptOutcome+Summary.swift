extension AttemptOutcome {
    /// A one-line human description for issue messages and attempt errors, e.g.
    /// "Destination returned 503 Service Unavailable" (the wording of the issues API example).
    public var summary: String {
        switch self {
        case .response(let status):
            let phrase = Self.reasonPhrases[status].map { " " + $0 } ?? ""
            return "Destination returned \(status)\(phrase)"
        case .rejected(let status): return "Destination answered \(status) but did not accept the message"
        case .transportError(.timeout): return "Delivery timed out waiting for the destination"
        case .transportError(.connectionRefused): return "Connection refused by the destination"
        case .transportError(.connectionReset): return "Connection reset by the destination"
        case .transportError(.dnsFailure): return "Destination host name could not be resolved"
        case .transportError(.tls): return "TLS handshake with the destination failed"
        case .transportError(.other): return "Could not exchange a request with the destination"
        case .transformError: return "Transform failed for this event"
        case .circuitOpen: return "Circuit breaker is open; deliveries are held"
        }
    }

    /// RFC 9110 reason phrases for the statuses a receiver plausibly sends.
    private static let reasonPhrases: [Int: String] = [
        200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
        300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
        307: "Temporary Redirect", 308: "Permanent Redirect",
        400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
        408: "Request Timeout", 409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed",
        413: "Content Too Large", 414: "URI Too Long", 415: "Unsupported Media Type",
        416: "Range Not Satisfiable", 417: "Expectation Failed", 421: "Misdirected Request",
        422: "Unprocessable Content", 423: "Locked", 424: "Failed Dependency", 425: "Too Early",
        426: "Upgrade Required", 428: "Precondition Required", 429: "Too Many Requests",
        431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
        500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Gateway Timeout", 505: "HTTP Version Not Supported", 507: "Insufficient Storage",
        508: "Loop Detected", 511: "Network Authentication Required",
    ]
}
