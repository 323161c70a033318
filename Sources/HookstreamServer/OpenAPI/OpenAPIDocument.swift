/// The OpenAPI 3.1 description served at `/v1/openapi.json`.
///
/// The document is the data file `openapi.json` beside this one, edited as JSON and served
/// byte for byte. Package.swift embeds it in the binary (`.embedInCode`) rather than shipping
/// it as a bundle resource, so a copied `hookstream` executable still serves it. Nothing is
/// substituted at run time: `servers` is the relative `/`, which resolves against whatever
/// address a client used. `APIConventionsTests` holds the document to the router (every route
/// documented, every documented operation routed) and the test command fuzzes the live server
/// against it with schemathesis, so a behaviour that drifts from it fails the build.
enum OpenAPIDocument {
    static let bytes: [UInt8] = PackageResources.openapi_json
}
