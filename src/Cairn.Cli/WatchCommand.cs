using System.CommandLine;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn watch KEY</c>: prints each change as it happens, until Ctrl-C.</summary>
internal static class WatchCommand
{
    public static Command Create(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key, or the prefix with --prefix." };
        var prefix = new Option<bool>("--prefix") { Description = "Watch every key that starts with KEY." };
        var fromRevision = new Option<long>("--from-revision") { Description = "Replay history from this revision on (default: changes from now)." };
        var prevKv = new Option<bool>("--prev-kv") { Description = "Show each key's previous value too." };
        var command = new Command("watch", "Print changes to a key or prefix as they happen, until Ctrl-C (one line, or with --json one JSON object, per event).")
        {
            key, prefix, fromRevision, prevKv,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var json = context.WantsJson(parse);
            var withPrev = parse.GetValue(prevKv);
            try
            {
                await foreach (var change in client.WatchAsync(parse.GetValue(key)!, parse.GetValue(prefix), parse.GetValue(fromRevision), withPrev, ct).ConfigureAwait(false))
                {
                    if (json)
                    {
                        await context.WriteJsonAsync(WatchEventDto.From(change)).ConfigureAwait(false);
                    }
                    else
                    {
                        await context.Out.WriteLineAsync(Describe(change, withPrev)).ConfigureAwait(false);
                    }

                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C is how a watch is meant to end.
            }

            return 0;
        });
        return command;
    }

    internal static string Describe(WatchEvent change, bool withPrev)
    {
        var revision = $"(rev {KvCommands.Num(change.Kv.ModRevision)})";
        var previous = withPrev && change.PrevKv is { } prev ? $" [was {Text.Preview(prev.Value.Span)}]" : "";
        return change.Type == WatchEventType.Put
            ? $"PUT {change.Kv.Key} = {Text.Preview(change.Kv.Value.Span)} {revision}{previous}"
            : $"DELETE {change.Kv.Key} {revision}{previous}";
    }
}
