import HookstreamCore
import Testing

@Suite struct PostgresURITests {
    @Test func readsThePagesQuickstartURI() throws {
        let uri = try PostgresURI(parsing: "postgres://user:pass@host:5432/mydb")
        #expect(uri == PostgresURI(username: "user", password: "pass", host: "host", port: 5432, database: "mydb"))
        #expect(uri.masked == "postgres://user:****@host:5432/mydb")
        #expect(uri.text == "postgres://user:pass@host:5432/mydb")
    }

    @Test func escapesDefaultsAndIPv6() throws {
        let escaped = try PostgresURI(parsing: "postgresql://app%40corp:p%40ss%3Aw%2Frd@db.example.com/sales?sslmode=require")
        #expect(escaped.username == "app@corp")
        #expect(escaped.password == "p@ss:w/rd")
        #expect(escaped.port == 5432)
        #expect(escaped.sslMode == .require)
        #expect(escaped.masked == "postgres://app%40corp:****@db.example.com:5432/sales?sslmode=require")
        #expect(try PostgresURI(parsing: escaped.text) == escaped, "the full text parses back to the same URI")

        let ipv6 = try PostgresURI(parsing: "postgres://u@[::1]:6543")
        #expect(ipv6.host == "::1" && ipv6.port == 6543 && ipv6.password == nil)
        #expect(ipv6.database == "u", "the database defaults to the user name, as libpq does")
        #expect(ipv6.masked == "postgres://u@[::1]:6543/u")
    }

    @Test(arguments: [
        ("mysql://u:p@h/db", "must start with postgres://"),
        ("postgres://h/db", "needs a user name"),
        ("postgres://u:p@/db", "needs a host"),
        ("postgres://u:p@h:99999/db", "invalid port"),
        ("postgres://u:p@h:5432/db?sslmode=sometimes", "unknown sslmode"),
        ("postgres://u:p@h:5432/db?application_name=x", "unsupported parameter 'application_name'"),
        ("postgres://u:p%zz@h/db", "badly escaped password"),
    ])
    func refusesWithWhatToFix(text: String, message: String) {
        #expect {
            try PostgresURI(parsing: text)
        } throws: { error in
            (error as? PostgresURI.ParseError)?.description.contains(message) == true
        }
    }

    @Test func replicationNamesAreValidIdentifiers() {
        let name = CaptureState.replicationName(sourceID: "src_0190a1b2c3d4e5f60718293a4b5c6d7e")
        #expect(name == "hookstream_0190a1b2c3d4e5f60718293a4b5c6d7e")
        #expect(name.utf8.count < 64)
    }
}
