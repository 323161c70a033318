import ArgumentParser
import HookstreamServer

struct HookstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hookstream",
        abstract: "A self-hostable event gateway for webhooks.",
        discussion: """
            `hookstream serve` runs the server. Every other command is a client of its REST API: \
            authenticate with `hookstream login`, HOOKSTREAM_API_KEY or --api-key.
            """,
        version: HookstreamVersion.current,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, ExportCommand.self, ImportCommand.self, LoginCommand.self, LogoutCommand.self, WhoamiCommand.self, SourcesCommand.self, DestinationsCommand.self, ConnectionsCommand.self, TransformsCommand.self,
            EventsCommand.self, DeliveriesCommand.self, IssuesCommand.self, CollectionsCommand.self, TopicsCommand.self, MetricsCommand.self,
            ReplayCommand.self, AlertsCommand.self, ChannelsCommand.self, TestCommand.self, ListenCommand.self,
        ]
    )
}
