import ArgumentParser

// The spec puts global flags before the subcommand (`hookstream --json sources list`);
// ArgumentParser reads options on the command that declares them, so leading global flags
// are moved behind the subcommand path before parsing.
let arguments = GlobalOptions.reorder(Array(CommandLine.arguments.dropFirst()))
do {
    let command = try HookstreamCommand.parseAsRoot(arguments)
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.runAsynchronously()
    } else {
        var syncCommand = command
        try syncCommand.run()
    }
} catch {
    HookstreamCommand.exit(withError: error)
}

extension AsyncParsableCommand {
    /// One unambiguous name for the async `run()`; through an existential, `run()` also
    /// matches the synchronous requirement, whose default only prints help.
    func runAsynchronously() async throws {
        var command = self
        try await command.run()
    }
}
