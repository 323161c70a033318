public import JSONValue

/// An error raised while compiling or evaluating a JSONata expression.
///
/// `code` is the reference implementation's code (`S0xxx` syntax, `T0xxx`/`T1xxx`/`T2xxx`
/// type, `D1xxx`–`D3xxx` dynamic, `U1001` limit exceeded); `position` is the character offset
/// in the expression text near which the problem was found.
public struct JSONataError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var position: Int?
    public var token: String?
    /// The offending value, when the error is about one.
    public var value: JSON?

    public init(code: String, message: String? = nil, position: Int? = nil, token: String? = nil, value: JSON? = nil) {
        self.code = code
        self.position = position
        self.token = token
        self.value = value
        self.message = message ?? ""
        if message == nil { self.message = ErrorMessages.render(code: code, token: token, value: value) }
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let position { text += " (at position \(position))" }
        return text
    }
}
