import HookstreamCDC
import Testing

/// Each refusal of a database, and its wording, without a database.
@Suite struct CaptureRequirementsTests {
    typealias Table = CaptureRequirements.Table
    typealias Name = CaptureRequirements.TableName

    static func table(_ schema: String, _ name: String, pk: Bool = true, identity: Character = "d", owned: Bool = true, readable: Bool = true) -> Table {
        Table(name: Name(schema: schema, name: name), hasPrimaryKey: pk, replicaIdentity: identity, owned: owned, readable: readable)
    }

    static func facts(
        wal: String = "logical", superuser: Bool = false, replication: Bool = true, used: Int = 0, tables: [Table] = [table("public", "orders")]
    ) -> CaptureRequirements.Facts {
        .init(role: "app", walLevel: wal, superuser: superuser, replication: replication, maxReplicationSlots: 10, slotsInUse: used, tables: tables)
    }

    @Test func tableNamesDefaultToPublic() {
        #expect(Name(parsing: "orders") == Name(schema: "public", name: "orders"))
        #expect(Name(parsing: "sales.orders") == Name(schema: "sales", name: "orders"))
        #expect(Name(parsing: "a.b.c") == nil)
        #expect(Name(parsing: "") == nil)
        #expect(Name(parsing: ".orders") == nil)
        #expect(Name(schema: "public", name: "Orders").quoted == "\"public\".\"Orders\"")
    }

    @Test func aReadyDatabasePassesWithTheRequestedTables() throws {
        let facts = Self.facts(tables: [Self.table("public", "orders"), Self.table("public", "users"), Self.table("audit", "log", pk: false, identity: "f")])
        let chosen = try CaptureRequirements.check(facts, requested: [Name(parsing: "users")!, Name(parsing: "audit.log")!, Name(parsing: "USERS")!]).get()
        #expect(chosen.map(\.name.description) == ["public.users", "audit.log"])
        // Omitted tables: every readable one.
        let all = try CaptureRequirements.check(facts, requested: nil).get()
        #expect(all.count == 3)
    }

    @Test(arguments: [
        (CaptureRequirementsTests.facts(wal: "replica"), "ALTER SYSTEM SET wal_level = logical"),
        (CaptureRequirementsTests.facts(replication: false), "ALTER ROLE app WITH REPLICATION"),
        (CaptureRequirementsTests.facts(used: 10), "all 10 replication slots are in use"),
        (CaptureRequirementsTests.facts(tables: [CaptureRequirementsTests.table("public", "orders", pk: false)]), "ALTER TABLE \"public\".\"orders\" REPLICA IDENTITY FULL"),
        (CaptureRequirementsTests.facts(tables: [CaptureRequirementsTests.table("public", "orders", pk: true, identity: "n")]), "has no primary key"),
        (CaptureRequirementsTests.facts(tables: [CaptureRequirementsTests.table("public", "orders", owned: false)]), "needs its owner"),
        (CaptureRequirementsTests.facts(tables: [CaptureRequirementsTests.table("public", "orders", readable: false)]), "GRANT SELECT ON \"public\".\"orders\" TO app"),
        (CaptureRequirementsTests.facts(tables: []), "table public.orders does not exist"),
    ])
    func refusesWithWhatToRun(facts: CaptureRequirements.Facts, fix: String) {
        let result = CaptureRequirements.check(facts, requested: [Name(parsing: "orders")!])
        guard case .failure(let problems) = result else {
            Issue.record("expected a refusal naming \(fix)")
            return
        }
        #expect(problems.description.contains(fix), "\(problems)")
    }

    @Test func aSuperuserNeedsNeitherReplicationNorOwnership() throws {
        let facts = Self.facts(superuser: true, replication: false, tables: [Self.table("public", "orders", owned: false)])
        #expect(try CaptureRequirements.check(facts, requested: nil).get().count == 1)
    }

    @Test func everyProblemIsListedAtOnce() {
        guard case .failure(let problems) = CaptureRequirements.check(Self.facts(wal: "minimal", replication: false), requested: [Name(parsing: "nope")!]) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(problems.messages.count == 3)
    }
}
