import ArgumentParser
import Foundation
import HookstreamClient
import JSONValue

/// `--api-key`, `--base-url` and `--json`, accepted on every client command.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "API key for this command (overrides HOOKSTREAM_API_KEY and the config file).")
    var apiKey: String?

    @Option(name: .long, help: "API base URL (default: HOOKSTREAM_BASE_URL, the config file, or http://127.0.0.1:8080).")
    var baseURL: String?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    func client(requireKey: Bool = true) throws -> APIClient {
        let resolved = CLIConfig.resolve(flagKey: apiKey, flagBaseURL: baseURL)
        if requireKey, resolved.apiKey == nil {
            throw CLIError("Not authenticated: run `hookstream login`, set HOOKSTREAM_API_KEY or pass --api-key")
        }
        return APIClient(baseURL: resolved.baseURL, apiKey: resolved.apiKey)
    }

    /// Prints `value` as JSON with `--json`, otherwise the human rendering.
    func output(_ value: JSON, human: () -> String) {
        if json { print(value.serialized(options: .prettyPrinted)) } else { print(human()) }
    }

    static let valued: Set<String> = ["--api-key", "--base-url"]
    static let flags: Set<String> = ["--json"]

    /// Moves global options that appear before the subcommand to the end of the arguments.
    static func reorder(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            let name = arg.split(separator: "=", maxSplits: 1).first.map(String.init) ?? arg
            if flags.contains(arg) {
                leading.append(arg)
                index += 1
            } else if valued.contains(name) {
                leading.append(arg)
                if !arg.contains("="), index + 1 < arguments.count {
                    leading.append(arguments[index + 1])
                    index += 1
                }
                index += 1
            } else {
                break
            }
        }
        let rest = Array(arguments[index...])
        // `serve` has its own --base-url; global flags do not apply to it.
        if leading.isEmpty || rest.first == "serve" { return leading + rest }
        return rest + leading
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a client command body, printing a failure as `Error: <server message>` on stderr (with
/// the JSONata code and position on the next line when the server gave them) and exiting with
/// status 1.
func runClient(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as APIClientError {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as CLIError {
        FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

extension JSON {
    /// A cell for human tables: strings bare, null as "-", everything else as JSON.
    var cell: String {
        switch self {
        case .string(let s): s
        case .null: "-"
        default: serialized()
        }
    }
}

/// Pushes a prompt (or the start-up banner) out before blocking on input or serving.
func flushStandardOutput() {
    try? FileHandle.standardOutput.synchronize()
    fflush(nil)
}

/// A JSON option's value: the text itself, or with `@path` the file's contents.
/// - Parameter option: how the option is spelled, for the error (`--payload`).
func jsonOption(_ text: String, _ option: String) throws -> JSON {
    var text = text
    if text.hasPrefix("@") {
        guard let contents = FileManager.default.contents(atPath: String(text.dropFirst())) else {
            throw CLIError("Cannot read \(text.dropFirst())")
        }
        text = String(decoding: contents, as: UTF8.self)
    }
    guard let value = try? JSON(parsing: text) else { throw CLIError("\(option) is not valid JSON") }
    return value
}
