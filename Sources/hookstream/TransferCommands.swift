import ArgumentParser
import Foundation
import HookstreamStore

/// `hookstream export`: every table of the database as NDJSON (see `TransferLine`), for a move
/// from the embedded SQLite database to PostgreSQL or back, or a logical backup. Reads one
/// consistent snapshot, so a node may keep running.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every table of the database as NDJSON, streamed (to move it with hookstream import).",
        discussion: "hookstream export --data-dir ./hookstream-data --output hookstream.ndjson\n"
            + "hookstream import --database-url postgres://… --input hookstream.ndjson")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let (store, blobs) = try await database.open(label: "hookstream.export")
        do {
            try await export(store, blobs)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }

    private func export(_ store: SQLStore, _ blobs: BlobStore?) async throws {
        guard let output else {
            let summary = try await store.exportDatabase(blobs: blobs) { try FileHandle.standardOutput.write(contentsOf: $0) }
            FileHandle.standardError.write(Data("✓ Exported \(summary.rows) rows of \(summary.tables.count) tables\n".utf8))
            return
        }
        // Written beside the target and renamed when complete, so an interrupted export never
        // leaves a file that looks whole (the import would refuse it anyway: its last line
        // would be missing).
        let partial = output + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(partial)")
        }
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: partial))
        do {
            let summary = try await store.exportDatabase(blobs: blobs) { try file.write(contentsOf: $0) }
            try file.synchronize()
            try file.close()
            _ = try? FileManager.default.removeItem(atPath: output)
            try FileManager.default.moveItem(atPath: partial, toPath: output)
            print("✓ Exported \(summary.rows) rows of \(summary.tables.count) tables to \(output)")
        } catch {
            try? file.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }
}

/// `hookstream import`: reads what `hookstream export` wrote into an empty database, in one
/// transaction, so an input that is cut short or damaged changes nothing.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load an export into an empty database (no node running on it), all or nothing.",
        discussion: "Run the new installation with the same --master-key as the old one: secrets travel sealed.")

    @OptionGroup var database: DatabaseOptions
    @Option(name: .shortAndLong, help: "Read from this file instead of standard input.") var input: String?

    func run() async throws {
        let descriptor: Int32
        if let input {
            descriptor = open(input, O_RDONLY)
            guard descriptor >= 0 else { throw ValidationError("cannot read \(input): \(String(cString: strerror(errno)))") }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if input != nil { close(descriptor) } }
        let (store, blobs) = try await database.open(label: "hookstream.import")
        do {
            let summary = try await store.importDatabase(blobs: blobs, from: TransferLineReader(fileDescriptor: descriptor))
            await store.close()
            print("✓ Imported \(summary.rows) rows of \(summary.tables.count) tables")
        } catch {
            await store.close()
            throw error
        }
    }
}
