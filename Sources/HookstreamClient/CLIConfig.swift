import Foundation

/// The CLI's saved settings, `$XDG_CONFIG_HOME/hookstream/config.json` (default
/// `~/.config/hookstream/config.json`), written with mode 0600 because it holds an API key.
public struct CLIConfig: Codable, Sendable, Equatable {
    public var apiKey: String?
    public var baseURL: String?

    enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case baseURL = "base_url"
    }

    public init(apiKey: String? = nil, baseURL: String? = nil) {
        self.apiKey = apiKey
        self.baseURL = baseURL
    }

    public static var path: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".config")
        return (base as NSString).appendingPathComponent("hookstream/config.json")
    }

    public static func load() -> CLIConfig {
        guard let data = FileManager.default.contents(atPath: path) else { return CLIConfig() }
        return (try? JSONDecoder().decode(CLIConfig.self, from: data)) ?? CLIConfig()
    }

    public func save() throws {
        let path = Self.path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        // Create with 0600 before writing so the key is never readable by others, even briefly.
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    public static let defaultBaseURL = "http://127.0.0.1:8080"

    /// The precedence the CLI documents: flag, then environment, then config file.
    public static func resolve(flagKey: String?, flagBaseURL: String?) -> (apiKey: String?, baseURL: String) {
        let environment = ProcessInfo.processInfo.environment
        let config = load()
        let key = flagKey ?? environment["HOOKSTREAM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? config.apiKey
        let url = flagBaseURL ?? environment["HOOKSTREAM_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? config.baseURL ?? defaultBaseURL
        return (key, url)
    }
}
