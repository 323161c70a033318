import Foundation

/// `X-Twilio-Signature`: base64 HMAC-SHA1 keyed with the account's Auth Token.
///
/// Form posts sign the full URL followed by every POST parameter sorted by name, as
/// `name + value` with no separators (values of a repeated name sorted, duplicates once).
/// JSON posts carry `?bodySHA256=<hex>` in the URL: the URL alone is signed and the body must
/// hash to that value. Twilio's own validators accept the URL with or without the scheme's
/// default port, so both forms are tried.
enum TwilioVerifier {
    static let header = "X-Twilio-Signature"

    static func verify(_ request: SignedRequest, key: [UInt8]) -> VerificationResult {
        guard let value = request.header(header) else { return .missingHeader(header) }
        guard let provided = SignatureEncoding.decodeBase64(value.trimmingCharacters(in: .whitespaces)) else {
            return .malformed(header, "expected base64")
        }
        var parameters: [(name: [UInt8], value: [UInt8])] = []
        let query = FormEncoding.pairs(query(of: request.url))
        if let bodyHash = query.first(where: { $0.name == Array("bodySHA256".utf8) })?.value {
            let actual = Array(SignatureEncoding.sha256Hex(request.body).utf8)
            guard SignatureEncoding.constantTimeEquals(actual, bodyHash) else {
                return .failed(reason: "body does not match the bodySHA256 the request was signed with")
            }
        } else if isForm(request) {
            parameters = FormEncoding.pairs(request.body)
        }
        let signedParameters = canonicalParameters(parameters)
        var matched = false
        for url in urlVariants(request.url) {
            let expected = HMACAlgorithm.sha1.mac(key: key, message: Array(url.utf8) + signedParameters)
            if SignatureEncoding.constantTimeEquals(provided, expected) { matched = true }
        }
        return matched ? .verified : .mismatch
    }

    static func isForm(_ request: SignedRequest) -> Bool {
        let contentType = request.header("Content-Type")?.lowercased() ?? ""
        return contentType.hasPrefix("application/x-www-form-urlencoded")
    }

    /// Parameters sorted by name (byte order, which is Unicode code point order for UTF-8),
    /// each name's distinct values sorted, concatenated as `name + value`.
    static func canonicalParameters(_ parameters: [(name: [UInt8], value: [UInt8])]) -> [UInt8] {
        var byName: [[UInt8]: Set<[UInt8]>] = [:]
        for parameter in parameters { byName[parameter.name, default: []].insert(parameter.value) }
        var out: [UInt8] = []
        for name in byName.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for value in byName[name, default: []].sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                out += name
                out += value
            }
        }
        return out
    }

    static func query(of url: String) -> [UInt8] {
        guard let mark = url.firstIndex(of: "?") else { return [] }
        let rest = url[url.index(after: mark)...]
        return Array((rest.firstIndex(of: "#").map { rest[..<$0] } ?? rest).utf8)
    }

    /// The URL as given, plus the same URL with the default port removed or added.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let defaultPort: String
        switch scheme {
        case "https": defaultPort = "443"
        case "http": defaultPort = "80"
        default: return [url]
        }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex { "/?#".contains($0) } ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let host = authority[hostStart...]
        // A colon after the last "]" (IPv6 literals contain colons) introduces the port.
        let portSearchStart = host.lastIndex(of: "]") ?? host.startIndex
        let head = url[..<authorityEnd]
        let tail = url[authorityEnd...]
        if let colon = host[portSearchStart...].lastIndex(of: ":") {
            guard host[host.index(after: colon)...] == defaultPort else { return [url] }
            return [url, String(url[..<colon]) + tail]
        }
        return [url, head + ":" + defaultPort + tail]
    }
}

/// `application/x-www-form-urlencoded` decoding: `&`-separated pairs, `+` is a space, `%XX`
/// escapes; a pair without `=` has an empty value.
enum FormEncoding {
    static func pairs(_ bytes: [UInt8]) -> [(name: [UInt8], value: [UInt8])] {
        bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                return (decode(pair[..<equals]), decode(pair[(equals + 1)...]))
            }
            return (decode(pair[...]), [])
        }
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let decoded = SignatureEncoding.decodeHex(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self))
            {
                out += decoded
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }
}
