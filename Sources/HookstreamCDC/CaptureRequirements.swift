/// What a database must offer before a source captures from it, decided from facts read once
/// (``CaptureFacts``) without I/O, so every refusal and its wording is table-tested. Each
/// problem says what to run to fix it.
public enum CaptureRequirements {
    /// A table as the user named it, resolved to its schema.
    public struct TableName: Sendable, Hashable, CustomStringConvertible {
        public var schema: String
        public var name: String

        public init(schema: String, name: String) {
            self.schema = schema
            self.name = name
        }

        /// `orders` → `public.orders`; `sales.orders` stays. `nil` for an empty or malformed name.
        public init?(parsing text: String) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let valid = { (s: String) in !s.isEmpty && s.count <= 63 && !s.contains("\"") }
            switch parts.count {
            case 1 where valid(parts[0]): self.init(schema: "public", name: parts[0])
            case 2 where valid(parts[0]) && valid(parts[1]): self.init(schema: parts[0], name: parts[1])
            default: return nil
            }
        }

        public var description: String { "\(schema).\(name)" }

        /// Quoted for SQL (`"public"."Orders"`), so mixed-case names work as written.
        public var quoted: String { "\"\(schema)\".\"\(name)\"" }
    }

    /// A table of the database as the catalog describes it.
    public struct Table: Sendable, Equatable {
        public var name: TableName
        public var hasPrimaryKey: Bool
        /// `pg_class.relreplident`: `d` default, `n` nothing, `f` full, `i` index.
        public var replicaIdentity: Character
        /// The role owns it (or is a member of its owner), which creating a publication needs.
        public var owned: Bool
        public var readable: Bool

        public init(name: TableName, hasPrimaryKey: Bool, replicaIdentity: Character, owned: Bool, readable: Bool) {
            self.name = name
            self.hasPrimaryKey = hasPrimaryKey
            self.replicaIdentity = replicaIdentity
            self.owned = owned
            self.readable = readable
        }

        /// Whether UPDATE and DELETE can be published: PostgreSQL refuses them on a published
        /// table with nothing to identify the old row — in the user's application.
        public var identifiesRows: Bool {
            switch replicaIdentity {
            case "f", "i": true
            case "d": hasPrimaryKey
            default: false
            }
        }
    }

    public struct Facts: Sendable, Equatable {
        public var role: String
        public var walLevel: String
        public var superuser: Bool
        public var replication: Bool
        public var maxReplicationSlots: Int
        public var slotsInUse: Int
        /// Ordinary tables in non-system schemas.
        public var tables: [Table]

        public init(
            role: String, walLevel: String, superuser: Bool, replication: Bool, maxReplicationSlots: Int, slotsInUse: Int, tables: [Table]
        ) {
            self.role = role
            self.walLevel = walLevel
            self.superuser = superuser
            self.replication = replication
            self.maxReplicationSlots = maxReplicationSlots
            self.slotsInUse = slotsInUse
            self.tables = tables
        }
    }

    /// The tables to capture, or every problem found (each a sentence for the 400).
    /// - Parameter requested: the user's `tables`, or `nil` for every table the role can read.
    public static func check(_ facts: Facts, requested: [TableName]?) -> Result<[Table], Problems> {
        var problems: [String] = []
        if facts.walLevel != "logical" {
            problems.append(
                "wal_level is '\(facts.walLevel)' but change capture needs 'logical': run ALTER SYSTEM SET wal_level = logical; "
                    + "and restart PostgreSQL (on a managed database, turn on its logical replication setting)")
        }
        if !facts.superuser && !facts.replication {
            problems.append("the role \(facts.role) may not create replication slots: run ALTER ROLE \(facts.role) WITH REPLICATION;")
        }
        if facts.slotsInUse >= facts.maxReplicationSlots {
            problems.append(
                "all \(facts.maxReplicationSlots) replication slots are in use: raise max_replication_slots "
                    + "(ALTER SYSTEM SET max_replication_slots = \(facts.maxReplicationSlots + 4); then restart) or drop an unused slot")
        }
        var chosen: [Table] = []
        if let requested {
            let byName = Dictionary(facts.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for name in requested {
                if let table = byName[name] ?? byName[TableName(schema: name.schema.lowercased(), name: name.name.lowercased())] {
                    if !chosen.contains(table) { chosen.append(table) }
                } else {
                    problems.append("table \(name) does not exist (or is not an ordinary table)")
                }
            }
        } else {
            chosen = facts.tables.filter(\.readable)
            if chosen.isEmpty { problems.append("the role \(facts.role) can read no table to capture") }
        }
        for table in chosen {
            if !table.readable {
                problems.append("the role \(facts.role) cannot read \(table.name): run GRANT SELECT ON \(table.name.quoted) TO \(facts.role);")
            }
            if !facts.superuser && !table.owned {
                problems.append("a publication for \(table.name) needs its owner (or a superuser): connect as the owner of \(table.name)")
            }
            if !table.identifiesRows {
                problems.append(
                    "table \(table.name) has no primary key, so PostgreSQL would refuse its updates and deletes once captured: "
                        + "add a primary key, or run ALTER TABLE \(table.name.quoted) REPLICA IDENTITY FULL;")
            }
        }
        return problems.isEmpty ? .success(chosen) : .failure(Problems(messages: problems))
    }

    public struct Problems: Error, Equatable, CustomStringConvertible {
        public var messages: [String]
        public var description: String { "The database cannot be captured yet: " + messages.joined(separator: "; ") }
    }
}
