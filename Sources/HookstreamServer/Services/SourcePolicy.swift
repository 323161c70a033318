import Foundation
import HookstreamCore
import JSONSchema
import JSONValue

/// A source's ingest checks, compiled once when the source is loaded into the cache: the IP
/// filter, the signature verifier configuration with its secrets opened, the compiled JSON
/// Schema, and the dedup settings. Ingest then runs them without parsing anything again.
struct SourcePolicy: Sendable {
    var ipFilter: IPFilter?
    var verification: VerificationConfig?
    var schema: JSONSchema?
    var rejectsInvalidPayloads: Bool
    var dedup: DedupSettings?

    init(_ source: Source, secrets: SecretBox) throws {
        let allow = try IPRangeList.parse(source.ipAllowlist ?? [], field: "ip_allowlist")
        let deny = try IPRangeList.parse(source.ipDenylist ?? [], field: "ip_denylist")
        ipFilter = allow.isEmpty && deny.isEmpty ? nil : IPFilter(allowlist: allow, denylist: deny)

        if let sealed = source.sealedSecret,
            let scheme = try VerificationScheme.resolve(
                verificationType: source.verificationType, template: source.template,
                header: source.verificationHeader)
        {
            verification = VerificationConfig(
                scheme: scheme, header: source.verificationHeader, secret: try secrets.open(sealed),
                previousSecret: try source.sealedPreviousSecret.map { try secrets.open($0) },
                previousSecretExpiresAt: source.previousSecretExpiresAt.map { Timestamp.date(millis: $0) })
        }

        if source.schemaValidationEnabled, let document = source.jsonSchema {
            schema = try JSONSchema(document)
        }
        rejectsInvalidPayloads = source.schemaAction != "warn"
        dedup = try DedupSettings.validate(strategy: source.dedupStrategy, field: source.dedupField, windowSeconds: source.dedupWindowSeconds)
    }
}
