import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

/// `hookstream login`: checks a key against the server, then saves it (and the base URL) to
/// the config file. A self-hosted server has no browser flow, so plain `login` prompts for the
/// key, like `login -i`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "login", abstract: "Save an API key for the CLI.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .shortAndLong, help: "Prompt for the API key.") var interactive = false

    func run() async throws {
        try await runClient {
            var key = global.apiKey
            if key == nil {
                print("Enter your API key: ", terminator: "")
                flushStandardOutput()
                key = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces)
            }
            guard let key, !key.isEmpty else { throw CLIError("No API key given") }
            let resolved = CLIConfig.resolve(flagKey: key, flagBaseURL: global.baseURL)
            let me = try await APIClient(baseURL: resolved.baseURL, apiKey: key).get("/v1/auth/me")
            var config = CLIConfig.load()
            config.apiKey = key
            if let baseURL = global.baseURL { config.baseURL = baseURL }
            try config.save()
            global.output(me) { "✓ Logged in as \(key.prefix(12))… (organization \(me["organization"]?["id"]?.cell ?? "-"))" }
        }
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Remove the saved API key.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runClient {
            var config = CLIConfig.load()
            config.apiKey = nil
            try config.save()
            global.output(["success": true]) { "✓ Logged out" }
        }
    }
}

struct WhoamiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the current authentication context.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runClient {
            let client = try global.client()
            let me = try await client.get("/v1/auth/me")
            global.output(me) {
                [
                    "Base URL:     \(client.baseURL)",
                    "Organization: \(me["organization"]?["name"]?.cell ?? "-") (\(me["organization"]?["id"]?.cell ?? "-"))",
                    "Environment:  \(me["environment"]?["name"]?.cell ?? "-") (\(me["environment"]?["id"]?.cell ?? "-"))",
                    "API key:      \(me["api_key"]?["key_prefix"]?.cell ?? "-")",
                    "User:         \(me["user"]?["email"]?.cell ?? "-")",
                ].joined(separator: "\n")
            }
        }
    }
}
