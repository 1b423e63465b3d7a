using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn blob put|get|rm|ls</c>, <c>cairn search</c>, <c>cairn admin status|nodes|rebuild-volume</c> and
/// <c>cairn snapshot save|restore</c>.</summary>
internal static class BlobCommands
{
    public static Command Create(CliContext context)
    {
        var command = new Command("blob", "Store and read large values (files) under keys.");
        command.Subcommands.Add(Put(context));
        command.Subcommands.Add(Get(context));
        command.Subcommands.Add(Remove(context));
        command.Subcommands.Add(List(context));
        return command;
    }

    private static Command Put(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key, e.g. reports/2026/q3.pdf." };
        var file = new Argument<string>("FILE") { Description = "The file to store; - reads stdin.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "-" };
        var ttl = new Option<string?>("--ttl") { Description = "Expire after this long (e.g. 30s, 10m, 7d)." };
        var ifAbsent = new Option<bool>("--if-absent") { Description = "Only if the key does not exist." };
        var command = new Command("put", "Store a file under a key (streamed).") { key, file, ttl, ifAbsent };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var path = parse.GetValue(file)!;
            TimeSpan? expiry = parse.GetValue(ttl) is { } text ? Durations.Parse(text, "--ttl") : null;
            Stream body;
            if (path == "-")
            {
                body = context.OpenStdin();
            }
            else
            {
                if (!File.Exists(path))
                {
                    throw new InvalidArgumentException($"File '{path}' does not exist.");
                }

                body = File.OpenRead(path);
            }

            await using (body)
            {
                var blob = await client.PutBlobAsync(parse.GetValue(key)!, body, expiry, parse.GetValue(ifAbsent), ct).ConfigureAwait(false);
                if (context.WantsJson(parse))
                {
                    await context.WriteJsonAsync(blob).ConfigureAwait(false);
                }
                else
                {
                    await context.Out.WriteLineAsync($"stored {blob.Key} ({KvCommands.Num(blob.Size)} bytes, sha256 {blob.Sha256}) at revision {KvCommands.Num(blob.Revision)}").ConfigureAwait(false);
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (default: stdout)." };
        var command = new Command("get", "Write a blob's bytes to stdout or a file.") { key, output };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            if (parse.GetValue(output) is { } path)
            {
                // Into a temporary file first: a failed download never leaves a complete-looking file behind.
                var full = Path.GetFullPath(path);
                var tmp = full + ".part-" + Guid.NewGuid().ToString("N")[..8];
                try
                {
                    await using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                    {
                        await client.GetBlobAsync(parse.GetValue(key)!, stream, ct).ConfigureAwait(false);
                    }

                    File.Move(tmp, full, overwrite: true);
                }
                finally
                {
                    File.Delete(tmp);
                }
            }
            else
            {
                await context.Out.FlushAsync(ct).ConfigureAwait(false);
                var raw = context.RawOut ?? Console.OpenStandardOutput();
                await client.GetBlobAsync(parse.GetValue(key)!, raw, ct).ConfigureAwait(false);
                await raw.FlushAsync(ct).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var key = new Argument<string>("KEY") { Description = "The key." };
        var command = new Command("rm", "Delete a blob (its key now, its file right after).") { key };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var name = parse.GetValue(key)!;
            if (!await client.DeleteBlobAsync(name, ct).ConfigureAwait(false))
            {
                throw new NoSuchKeyException(name);
            }

            await context.Out.WriteLineAsync("deleted " + name).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var prefix = new Argument<string?>("PREFIX") { Description = "Only keys starting with this.", Arity = ArgumentArity.ZeroOrOne };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 1000)." };
        var command = new Command("ls", "List blobs.") { prefix, limit };
        context.SetClientAction(command, (parse, client, ct) =>
            ListAsync(context, parse, client, new BlobSearch { Prefix = parse.GetValue(prefix), Limit = parse.GetValue(limit) }, ct));
        return command;
    }

    public static Command Search(CliContext context)
    {
        var text = new Argument<string>("TEXT") { Description = "Text the key contains (case-insensitive)." };
        var on = new Option<string?>("--on") { Description = "Created on this day (yyyy-mm-dd, UTC)." };
        var before = new Option<string?>("--before") { Description = "Created before this day." };
        var after = new Option<string?>("--after") { Description = "Created after this day (with --before: between)." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default 1000)." };
        var command = new Command("search", "Find blobs by key text and creation date.") { text, on, before, after, limit };
        context.SetClientAction(command, (parse, client, ct) => ListAsync(context, parse, client, new BlobSearch
        {
            Text = parse.GetValue(text),
            On = Date(parse.GetValue(on), "--on"),
            Before = Date(parse.GetValue(before), "--before"),
            After = Date(parse.GetValue(after), "--after"),
            Limit = parse.GetValue(limit),
        }, ct));
        return command;
    }

    private static DateOnly? Date(string? text, string option) =>
        text is null ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new InvalidArgumentException($"{option} takes a date as yyyy-mm-dd; got '{text}'.");

    private static async Task<int> ListAsync(CliContext context, ParseResult parse, CairnClient client, BlobSearch search, CancellationToken ct)
    {
        var page = await client.ListBlobsAsync(search, ct).ConfigureAwait(false);
        if (context.WantsJson(parse))
        {
            await context.WriteJsonAsync(page).ConfigureAwait(false);
            return 0;
        }

        await Text.WriteTableAsync(context.Out, ["KEY", "SIZE", "CREATED", "EXPIRES"],
            page.Items.Select(b => (IReadOnlyList<string>)[b.Key, KvCommands.Num(b.Size), b.Created.ToString("u", CultureInfo.InvariantCulture), b.Expires?.ToString("u", CultureInfo.InvariantCulture) ?? ""]).ToList()).ConfigureAwait(false);
        if (page.Next is not null)
        {
            await context.Error.WriteLineAsync($"(more: continue after '{page.Next}')").ConfigureAwait(false);
        }

        return 0;
    }

    public static Command Admin(CliContext context)
    {
        var command = new Command("admin", "Storage figures, storage nodes, and rebuilding metadata from volume files.");

        var status = new Command("status", "Blob entries and bytes, and the keyspace's figures.");
        context.SetClientAction(status, async (parse, client, ct) =>
        {
            var figures = await client.AdminStatusAsync(ct).ConfigureAwait(false);
            await WriteObjectAsync(context, parse, figures).ConfigureAwait(false);
            return 0;
        });

        var nodes = new Command("nodes", "Each storage node: disk used, load, whether its files and the keyspace agree.");
        context.SetClientAction(nodes, async (parse, client, ct) =>
        {
            var list = await client.AdminNetworkAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(list, WireJson.Options)).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["NODE", "PERCENT", "LOAD", "SYNCH", "FREE", "VOLUMES"],
                list.Select(n => (IReadOnlyList<string>)
                [
                    n.Node,
                    n.Percent.ToString(CultureInfo.InvariantCulture),
                    n.Load.ToString("0.00", CultureInfo.InvariantCulture),
                    n.Synch ? "yes" : "no",
                    KvCommands.Num(n.FreeBytes),
                    n.Volumes.Count.ToString(CultureInfo.InvariantCulture),
                ]).ToList()).ConfigureAwait(false);
            return 0;
        });

        var dir = new Argument<string>("DIR") { Description = "One of the server's volume directories." };
        var rebuild = new Command("rebuild-volume", "Recreate the keys of every file in a volume directory that has none (after the keyspace was lost).") { dir };
        context.SetClientAction(rebuild, async (parse, client, ct) =>
        {
            var result = await client.RebuildVolumeAsync(Path.GetFullPath(parse.GetValue(dir)!), ct).ConfigureAwait(false);
            await WriteObjectAsync(context, parse, result).ConfigureAwait(false);
            return 0;
        });

        command.Subcommands.Add(status);
        command.Subcommands.Add(nodes);
        command.Subcommands.Add(rebuild);
        return command;
    }

    // The answer's fields as the server sent them: as JSON, or one row each.
    private static async Task WriteObjectAsync<T>(CliContext context, ParseResult parse, T answer)
    {
        var value = JsonSerializer.SerializeToElement(answer, WireJson.Options);
        if (context.WantsJson(parse))
        {
            await context.Out.WriteLineAsync(value.GetRawText()).ConfigureAwait(false);
            return;
        }

        await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"],
            value.EnumerateObject().Select(p => (IReadOnlyList<string>)[p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText()]).ToList()).ConfigureAwait(false);
    }

    public static Command Snapshot(CliContext context)
    {
        var command = new Command("snapshot", "Back up and restore the keyspace and the volume files.");
        var file = new Argument<string>("FILE") { Description = "The snapshot file (a tar)." };
        var save = new Command("save", "Download a consistent snapshot from the running server.") { file };
        context.SetClientAction(save, async (parse, client, ct) =>
        {
            var full = Path.GetFullPath(parse.GetValue(file)!);
            var tmp = full + ".part-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                await using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                {
                    await client.SaveSnapshotAsync(stream, ct).ConfigureAwait(false);
                    stream.Flush(flushToDisk: true);
                }

                // Check what arrived before it takes the name: a broken transfer never looks like a snapshot.
                var manifest = await Server.Snapshots.SnapshotRestore.VerifyAsync(tmp, ct).ConfigureAwait(false);
                File.Move(tmp, full, overwrite: true);
                await context.Out.WriteLineAsync($"saved {full}: {KvCommands.Num(manifest.Keys)} keys and {KvCommands.Num(manifest.Files)} files at revision {KvCommands.Num(manifest.Revision)}").ConfigureAwait(false);
            }
            finally
            {
                File.Delete(tmp);
            }

            return 0;
        });

        var restoreFile = new Argument<string>("FILE") { Description = "The snapshot file." };
        var dataDir = new Option<string>("--data-dir") { Description = "The data directory to create (new or empty).", Required = true };
        var restoreBackend = new Option<string>("--backend") { Description = "The embedded store to restore into: sqlite (the default) or log; serve it with the same --backend.", DefaultValueFactory = _ => "sqlite" };
        var restore = new Command("restore", "Restore a snapshot into a new, empty data directory (offline; then run cairn serve on it).") { restoreFile, dataDir, restoreBackend };
        restore.SetAction(async (parse, ct) =>
        {
            try
            {
                var result = await Server.Snapshots.SnapshotRestore.RestoreAsync(parse.GetValue(restoreFile)!, parse.GetValue(dataDir)!, parse.GetValue(restoreBackend)!, ct).ConfigureAwait(false);
                if (result.Warning is { } warning)
                {
                    await context.Error.WriteLineAsync("cairn: warning: " + warning).ConfigureAwait(false);
                }

                await context.Out.WriteLineAsync($"restored {KvCommands.Num(result.Keys)} keys and {KvCommands.Num(result.Files)} files (snapshot revision {KvCommands.Num(result.Revision)}) into {Path.GetFullPath(parse.GetValue(dataDir)!)}").ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is CairnException or IOException or UnauthorizedAccessException)
            {
                return await context.FailAsync(ex.Message).ConfigureAwait(false);
            }
        });
        command.Subcommands.Add(save);
        command.Subcommands.Add(restore);
        return command;
    }
}
