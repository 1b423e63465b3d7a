using System.CommandLine;

namespace Cairn.Cli;

/// <summary><c>cairn status</c> and <c>cairn compact</c>.</summary>
internal static class AdminCommands
{
    public static Command Status(CliContext context)
    {
        var command = new Command("status", "Show the server's revision, size, key count, backend and version.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var status = await client.ServerStatusAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(status).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"],
            [
                ["endpoint", client.Endpoint],
                ["revision", KvCommands.Num(status.Revision)],
                ["compactRevision", KvCommands.Num(status.CompactRevision)],
                ["keyCount", KvCommands.Num(status.KeyCount)],
                ["sizeBytes", KvCommands.Num(status.SizeBytes)],
                ["backend", status.Backend],
                ["version", status.Version],
                ["nodeId", status.NodeId ?? ""],
                ["uptimeSeconds", status.UptimeSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)],
            ]).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    public static Command Compact(CliContext context)
    {
        var revision = new Argument<long>("REVISION") { Description = "Discard history below this revision." };
        var command = new Command("compact", "Discard history below a revision; reads below it then fail.") { revision };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var result = await client.CompactAsync(parse.GetValue(revision), ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new Contracts.CompactDto { Revision = result.Revision, CompactRevision = result.CompactRevision }).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"compacted at revision {KvCommands.Num(result.CompactRevision)} (current revision {KvCommands.Num(result.Revision)})").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
