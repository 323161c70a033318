import ArgumentParser
import Foundation
import HookstreamClient

extension CollectionsCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every record as NDJSON or CSV, streamed.",
            discussion: "hookstream collections export <id> > customers.ndjson\n"
                + "hookstream collections export <id> --format csv --output customers.csv")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Collection ID.") var id: String
        @Option(help: "json (NDJSON, the default), ndjson, or csv (nested fields flattened to dot columns).") var format: String?
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            try await runClient {
                let path = "/v1/collections/\(CollectionsCommand.segment(id))/export"
                guard let output else {
                    try await global.client().download(path, query: [("format", format)]) { chunk in
                        FileHandle.standardOutput.write(Data(chunk.readableBytesView))
                    }
                    return
                }
                // Written beside the target and renamed when complete, so an interrupted export
                // never leaves a file that looks whole.
                let partial = output + ".partial"
                guard FileManager.default.createFile(atPath: partial, contents: nil) else { throw CLIError("Cannot write \(partial)") }
                let file = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
                do {
                    try await global.client().download(path, query: [("format", format)]) { chunk in
                        try file.write(contentsOf: chunk.readableBytesView)
                    }
                    try file.close()
                    _ = try? FileManager.default.removeItem(atPath: output)
                    try FileManager.default.moveItem(atPath: partial, toPath: output)
                } catch {
                    try? file.close()
                    try? FileManager.default.removeItem(atPath: partial)
                    throw error
                }
                FileHandle.standardError.write(Data("✓ Exported collection \(id) to \(output)\n".utf8))
            }
        }
    }
}
