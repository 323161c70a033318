/// How a column's text value becomes JSON, chosen by the column's type OID (from its Relation
/// message). See docs/cdc.md for the mapping as users read it.
public indirect enum PGType: Sendable, Equatable {
    case bool
    /// int2, int4, oid: always exact in a double.
    case smallInteger
    /// int8: a JSON string beyond ±2^53, where a double (and so JavaScript) would round it.
    case bigInteger
    /// numeric: a number only when the double holds the same decimal value, else a string.
    case numeric
    /// float4, float8: a number; NaN and ±Infinity (no JSON numbers) as strings.
    case float
    /// timestamptz: converted to UTC.
    case timestampWithZone
    /// timestamp: PostgreSQL keeps no zone; read as UTC.
    case timestamp
    case json
    /// Base64 of the bytes.
    case bytea
    /// Elements mapped as the element type.
    case array(element: PGType, delimiter: UInt8)
    /// Everything else (text, varchar, uuid, date, time, interval, enums, …): PostgreSQL's text.
    case text

    /// The built-in types hookstream maps other than as text, by OID (`pg_type.oid`, fixed
    /// across PostgreSQL versions for built-in types).
    static let builtIn: [UInt32: PGType] = {
        let scalars: [UInt32: PGType] = [
            16: .bool, 20: .bigInteger, 21: .smallInteger, 23: .smallInteger, 26: .smallInteger, 700: .float, 701: .float,
            1700: .numeric, 1114: .timestamp, 1184: .timestampWithZone, 114: .json, 3802: .json, 17: .bytea,
        ]
        var all = scalars
        // Array types of the scalars above and of the common text-like types.
        let arrays: [(array: UInt32, element: UInt32)] = [
            (1000, 16), (1016, 20), (1005, 21), (1007, 23), (1028, 26), (1021, 700), (1022, 701), (1231, 1700), (1115, 1114),
            (1185, 1184), (199, 114), (3807, 3802), (1001, 17), (1009, 25), (1015, 1043), (1014, 1042), (1003, 19), (1002, 18),
            (2951, 2950), (1182, 1082), (1183, 1083), (1270, 1266), (1187, 1186), (1041, 869), (651, 650), (791, 790), (143, 142),
        ]
        for (array, element) in arrays { all[array] = .array(element: scalars[element] ?? .text, delimiter: UInt8(ascii: ",")) }
        // box is the one built-in type whose array delimiter is ';'.
        all[1020] = .array(element: .text, delimiter: UInt8(ascii: ";"))
        return all
    }()
}

/// The types of one captured database: the built-ins, plus what the capture loop learned from
/// `pg_type` about the others (domains map as their base type, arrays of enums and domains as
/// arrays). A type it knows nothing about maps as text — never an error, never a lost value.
public struct PGTypeCatalog: Sendable, Equatable {
    private var learned: [UInt32: PGType] = [:]

    public init() {}

    public func type(of oid: UInt32) -> PGType { learned[oid] ?? PGType.builtIn[oid] ?? .text }

    /// Whether `oid` needs looking up in `pg_type` (neither built in nor learned).
    public func isKnown(_ oid: UInt32) -> Bool { learned[oid] != nil || PGType.builtIn[oid] != nil }

    /// A domain (or any alias) of `base`.
    public mutating func learnAlias(_ oid: UInt32, of base: UInt32) { learned[oid] = type(of: base) }

    /// An array type of `element`, with the element type's delimiter (`pg_type.typdelim`).
    public mutating func learnArray(_ oid: UInt32, of element: UInt32, delimiter: UInt8 = UInt8(ascii: ",")) {
        learned[oid] = .array(element: type(of: element), delimiter: delimiter)
    }
}
