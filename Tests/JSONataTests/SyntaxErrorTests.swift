import JSONata
import Testing

/// Syntax errors for input that stops inside a construct, against the codes, positions and
/// tokens jsonata-js 2.2.2 reports for the same text (each row was produced by compiling the
/// expression with the reference). A construct left open reports S0203 ("expected `x` before
/// the end") where it looks for its closing token; only an end of input that reaches the tree
/// as an operand is S0207.
@Suite struct SyntaxErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var code: String
        var position: Int?
        var token: String?

        init(_ expression: String, _ code: String, _ position: Int?, _ token: String?) {
            self.expression = expression
            self.code = code
            self.position = position
            self.token = token
        }

        var testDescription: String { "`\(expression)` → \(code)" }
    }

    static let unterminated: [Case] = [
        // Object constructor, cut after the colon, the key, the value, the comma.
        .init("{\"a\": -", "S0203", 7, "(end)"),
        .init("{", "S0203", 1, "(end)"),
        .init("{\"a\"", "S0203", 4, "(end)"),
        .init("{\"a\":", "S0203", 5, "(end)"),
        .init("{\"a\": 1", "S0203", 7, "(end)"),
        .init("{\"a\": 1,", "S0203", 8, "(end)"),
        // Array constructor and range.
        .init("[", "S0203", 1, "(end)"),
        .init("[1", "S0203", 2, "(end)"),
        .init("[1,", "S0203", 3, "(end)"),
        .init("[1..", "S0203", 4, "(end)"),
        // Strings and escapes (a \u escape cut short is an unterminated string).
        .init("\"abc", "S0101", 4, nil),
        .init("'abc", "S0101", 4, nil),
        .init("\"a\\", "S0103", 3, ""),
        .init("\"\\u", "S0104", 2, nil),
        .init("\"\\u12", "S0101", 7, nil),
        .init("\"\\uZZ\"", "S0104", 2, nil),
        // Block, function call, partial application, lambda and its signature.
        .init("(", "S0203", 1, "(end)"),
        .init("(1", "S0203", 2, "(end)"),
        .init("(1;", "S0203", 3, "(end)"),
        .init("$f(", "S0203", 3, "(end)"),
        .init("$f(1", "S0203", 4, "(end)"),
        .init("$f(1,", "S0203", 5, "(end)"),
        .init("$f(?", "S0203", 4, "(end)"),
        .init("function($x", "S0203", 11, "(end)"),
        .init("function($x)", "S0203", 12, "(end)"),
        .init("function($x){", "S0203", 13, "(end)"),
        .init("function($x){$x", "S0203", 15, "(end)"),
        .init("function($x)<n:n", "S0203", 16, "(end)"),
        .init("function($x)<n:n{$x}", "S0202", 17, "{"),
        // Filter, sort, group-by, transform.
        .init("a[", "S0203", 2, "(end)"),
        .init("a[0", "S0203", 3, "(end)"),
        .init("a^(", "S0203", 3, "(end)"),
        .init("a^(b", "S0203", 4, "(end)"),
        .init("a{", "S0203", 2, "(end)"),
        .init("a{b:", "S0203", 4, "(end)"),
        .init("a{b:c", "S0203", 5, "(end)"),
        .init("|a", "S0203", 2, "(end)"),
        .init("|a|{}", "S0203", 5, "(end)"),
        .init("|a|{},b", "S0203", 7, "(end)"),
        // Regex, quoted name and comment left open.
        .init("/ab", "S0302", 3, nil),
        .init("`ab", "S0105", 3, nil),
        .init("/* x", "S0106", 0, nil),
        // An operator with nothing after it: the end reaches the tree.
        .init("a.", "S0207", 2, "(end)"),
        .init("a ?", "S0207", 3, "(end)"),
        .init("a ? b :", "S0207", 7, "(end)"),
        .init("a ??", "S0207", 4, "(end)"),
        .init("a and", "S0207", 5, "(end)"),
        .init("a ~>", "S0207", 4, "(end)"),
        .init("$x :=", "S0207", 5, "(end)"),
        // Focus and index binds need a variable.
        .init("a#", "S0214", 2, "#"),
        .init("a@", "S0214", 2, "@"),
        .init("-", "S0207", 1, "(end)"),
        .init("", "S0207", 0, "(end)"),
        // The parent operator with no step to refer to.
        .init("%", "S0217", nil, "parent"),
        .init("(%)", "S0217", 1, "block"),
        .init("$x:=%", "S0217", 4, "bind"),
    ]

    @Test(arguments: unterminated)
    func unterminatedInputMatchesTheReference(_ c: Case) {
        do {
            _ = try JSONata(c.expression)
            Issue.record("`\(c.expression)` compiled; expected \(c.code)")
        } catch let error as JSONataError {
            #expect(error.code == c.code)
            #expect(error.position == c.position)
            #expect(error.token == c.token)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
