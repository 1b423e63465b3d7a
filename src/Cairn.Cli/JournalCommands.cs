using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.ZooKeeper;
using Cairn.ZooKeeper.Import;

namespace Cairn.Cli;

/// <summary><c>cairn journal append|status|show|ls|stuck|export|import</c>: the journal of long-running requests.</summary>
internal static class JournalCommands
{
    private static readonly string[] States = ["in-progress", "committed", "aborted", "unknown"];

    public static Command Create(CliContext context) => new("journal", "Record and query the steps of long-running requests.")
    {
        Append(context),
        Status(context),
        Show(context),
        List(context),
        Stuck(context),
        Export(context),
        Import(context),
    };

    private static Command Append(CliContext context)
    {
        var txid = new Argument<string?>("TXID") { Description = "The request id.", Arity = ArgumentArity.ZeroOrOne };
        var step = new Argument<string?>("STEP") { Description = "The step: begin, authorization, commit, abort, …", Arity = ArgumentArity.ZeroOrOne };
        var json = new Argument<string?>("JSON") { Description = "The step's JSON message; '-' or omitted: standard input.", Arity = ArgumentArity.ZeroOrOne };
        var framed = new Option<bool>("--framed")
        {
            Description = "Read frames from standard input: a 4-byte big-endian length, then that many bytes of a JSON message; each appends step msg.step of request msg.request_id.",
        };
        var maxMessageBytes = new Option<int>("--max-message-bytes")
        {
            Description = "With --framed: the largest frame accepted (default 16777216, the server's default limit).",
            DefaultValueFactory = _ => FramedJournalReader.DefaultMaxMessageBytes,
        };
        var command = new Command("append", "Append a step of a request; a step that exists already keeps its first message.")
        {
            txid, step, json, framed, maxMessageBytes,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var asJson = context.WantsJson(parse);
            if (parse.GetValue(framed))
            {
                if (parse.GetValue(txid) is not null)
                {
                    throw new ArgumentException("With --framed each frame names its request and step; give no TXID, STEP or JSON.");
                }

                var max = parse.GetValue(maxMessageBytes);
                if (max < 1)
                {
                    throw new ArgumentException($"--max-message-bytes must be at least 1; got {max}.");
                }

                var input = context.OpenStdin();
                await using (input.ConfigureAwait(false))
                {
                    await foreach (var frame in FramedJournalReader.ReadAsync(input, max, ct).ConfigureAwait(false))
                    {
                        JournalAppendResultDto result;
                        try
                        {
                            result = await client.AppendJournalAsync(frame.Txid, frame.Step, frame.Json, ct).ConfigureAwait(false);
                        }
                        catch (CairnException ex)
                        {
                            // Say which frame: the ones before it are written (and were printed), it and the rest are not.
                            throw new FrameFailedException($"frame {frame.Number} ({Printable(frame.Txid)}/{Printable(frame.Step)}): {ex.Message}", ex);
                        }

                        await WriteAppendedAsync(context, result, asJson).ConfigureAwait(false);
                        await context.Out.FlushAsync(ct).ConfigureAwait(false);
                    }
                }

                return 0;
            }

            var id = parse.GetValue(txid) ?? throw new ArgumentException("Give TXID and STEP (or --framed to read frames from standard input).");
            var name = parse.GetValue(step) ?? throw new ArgumentException("Give STEP after TXID.");
            var text = parse.GetValue(json);
            var message = text is null or "-"
                ? await ReadAllAsync(context.OpenStdin(), ct).ConfigureAwait(false)
                : Encoding.UTF8.GetBytes(text);
            var appended = await client.AppendJournalAsync(id, name, message, ct).ConfigureAwait(false);
            await WriteAppendedAsync(context, appended, asJson).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>One line per entry: <c>created TX/STEP rev N</c>, <c>exists TX/STEP rev N</c> or <c>spooled TX/STEP</c>.</summary>
    internal static string DescribeAppend(JournalAppendResultDto result)
    {
        var name = $"{result.Txid}/{result.Step}";
        if (result.Spooled)
        {
            return $"spooled {name}{(result.Created ? "" : " (exists)")} (primary unavailable; the server replays it later)";
        }

        return $"{(result.Created ? "created" : "exists")} {name} rev {KvCommands.Num(result.Revision)}";
    }

    private static Task WriteAppendedAsync(CliContext context, JournalAppendResultDto result, bool asJson) =>
        asJson ? context.WriteJsonAsync(result) : context.Out.WriteLineAsync(DescribeAppend(result));

    private static Command Status(CliContext context)
    {
        var txid = new Argument<string>("TXID") { Description = "The request id." };
        var command = new Command("status", "Print where a request stands (committed, aborted, in-progress) and its commit or abort message.") { txid };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var id = parse.GetValue(txid)!;
            var status = await client.GetJournalStatusAsync(id, ct).ConfigureAwait(false) ?? throw NotFound(id);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(status).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync(status.State).ConfigureAwait(false);
            if (status.MessageText is { } sent)
            {
                await context.Out.WriteLineAsync(sent).ConfigureAwait(false);
            }
            else if (status.Message is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } message)
            {
                await context.Out.WriteLineAsync(message.GetRawText()).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var txid = new Argument<string>("TXID") { Description = "The request id." };
        var command = new Command("show", "Print a request: its state, fields, and every step with its time, revision and message.") { txid };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var id = parse.GetValue(txid)!;
            var request = await client.GetJournalRequestAsync(id, ct).ConfigureAwait(false) ?? throw NotFound(id);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(request).ConfigureAwait(false);
                return 0;
            }

            var header = new List<IReadOnlyList<string>>
            {
                new[] { "txid", request.Txid },
                new[] { "state", request.State },
                new[] { "first", Time(request.First) },
                new[] { "last", Time(request.Last) },
            };
            if (request.Segment is { } segment)
            {
                header.Add(["segment", KvCommands.Num(segment)]);
            }

            header.AddRange(Fields(request.Fields).Select(f => (IReadOnlyList<string>)[f.Name, f.Value]));
            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"], header).ConfigureAwait(false);
            await context.Out.WriteLineAsync().ConfigureAwait(false);
            await Text.WriteTableAsync(context.Out, ["STEP", "AT", "REV", "NODE", "SOURCE", "MESSAGE"],
                request.Steps.Select(s => (IReadOnlyList<string>)
                [
                    s.Step, Time(s.At), KvCommands.Num(s.Revision), s.Node, s.Source, Message(s),
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var state = new Option<string?>("--state") { Description = "Only requests in this state: in-progress, committed, aborted or unknown." };
        var step = new Option<string?>("--step") { Description = "Only requests that have this step." };
        var user = new Option<string?>("--user") { Description = "Only requests of this user (user_id or authuser_id)." };
        var host = new Option<string?>("--host") { Description = "Only requests from this host." };
        var resource = new Option<string?>("--resource") { Description = "Only requests on this resource." };
        var verb = new Option<string?>("--verb") { Description = "Only requests with this verb." };
        var from = new Option<string?>("--from") { Description = "Only requests begun at or after this time: ISO-8601, or a duration ago (1h, 2d)." };
        var to = new Option<string?>("--to") { Description = "Only requests begun before this time: ISO-8601, or a duration ago." };
        var (limit, after, all) = PagingOptions();
        var command = new Command("ls", "List requests in request-id order, filtered by state, step, user, host, resource, verb and time.")
        {
            state, step, user, host, resource, verb, from, to, limit, after, all,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var wanted = parse.GetValue(state);
            if (wanted is not null && !States.Contains(wanted, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidArgumentException($"--state '{wanted}' is not a state: use {string.Join(", ", States)}.");
            }

            var query = new JournalListQuery
            {
                State = wanted?.ToLowerInvariant(),
                Step = parse.GetValue(step),
                User = parse.GetValue(user),
                Host = parse.GetValue(host),
                Resource = parse.GetValue(resource),
                Verb = parse.GetValue(verb),
                From = parse.GetValue(from) is { } f ? TimeArguments.ParseTime(f, "--from", TimeProvider.System) : null,
                To = parse.GetValue(to) is { } t ? TimeArguments.ParseTime(t, "--to", TimeProvider.System) : null,
            };
            return await ListAsync(context, parse, client, query, limit, after, all, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Stuck(CliContext context)
    {
        var olderThan = new Option<string>("--older-than")
        {
            Description = "How long a request must have been in progress (default 10m): 90s, 10m, 1h30m, 2d, hh:mm:ss.",
            DefaultValueFactory = _ => "10m",
        };
        var (limit, after, all) = PagingOptions();
        var command = new Command("stuck", "List requests begun and not finished for longer than an age.") { olderThan, limit, after, all };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var query = new JournalListQuery { Stuck = Durations.Parse(parse.GetValue(olderThan)!, "--older-than") };
            return await ListAsync(context, parse, client, query, limit, after, all, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static (Option<int?> Limit, Option<string?> After, Option<bool> All) PagingOptions() =>
    (
        new Option<int?>("--limit") { Description = "Requests per page (default: the server's, 100)." },
        new Option<string?>("--after") { Description = "Start after this request id (the cursor a previous page printed)." },
        new Option<bool>("--all") { Description = "Follow every page." }
    );

    private static async Task<int> ListAsync(
        CliContext context, ParseResult parse, CairnClient client, JournalListQuery query, Option<int?> limit, Option<string?> after, Option<bool> all, CancellationToken ct)
    {
        query = query with { Limit = parse.GetValue(limit), After = parse.GetValue(after) };
        JournalListDto page;
        if (parse.GetValue(all))
        {
            page = new JournalListDto();
            await foreach (var request in client.ListAllJournalAsync(query, ct).ConfigureAwait(false))
            {
                page.Requests.Add(request);
            }
        }
        else
        {
            page = await client.ListJournalAsync(query, ct).ConfigureAwait(false);
        }

        if (context.WantsJson(parse))
        {
            await context.WriteJsonAsync(page).ConfigureAwait(false);
            return 0;
        }

        await Text.WriteTableAsync(context.Out, ["TXID", "STATE", "STEPS", "FIRST", "LAST", "USER", "HOST", "VERB", "RESOURCE"],
            page.Requests.Select(r => (IReadOnlyList<string>)
            [
                r.Txid, r.State, string.Join(',', r.Steps), Time(r.First), Time(r.Last),
                r.Fields.UserId ?? r.Fields.AuthUserId ?? "", r.Fields.Host ?? "", r.Fields.Verb ?? "", r.Fields.Resource ?? "",
            ])).ConfigureAwait(false);
        if (page.Next is not null)
        {
            await context.Error.WriteLineAsync($"(more after {page.Next}; use --all, or --after {page.Next})").ConfigureAwait(false);
        }

        return 0;
    }

    private static Command Export(CliContext context)
    {
        var command = new Command("export", "Fold finished requests into history and export it now (as the server does on its interval).");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var report = await client.ExportJournalAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(report).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync(
                $"folded {KvCommands.Num(report.Folded)} request{Plural(report.Folded)}, wrote {KvCommands.Num(report.Files.Count)} file{Plural(report.Files.Count)}, removed {KvCommands.Num(report.Removed)} segment{Plural(report.Removed)}").ConfigureAwait(false);
            foreach (var file in report.Files)
            {
                await context.Out.WriteLineAsync("  " + file).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var zookeeper = new Option<string>("--zookeeper")
        {
            Description = "The original Journal's ZooKeeper: HOST:PORT[,HOST:PORT...][/CHROOT], the chroot its zookeeper:// URL named (a zookeeper:// prefix is taken too).",
            Required = true,
        };
        var source = new ZooKeeperSource();
        var command = new Command(
            "import",
            "Import an original Journal deployment's requests and history from its ZooKeeper into the journal. Reads ZooKeeper only, "
            + "and writes through the server like append: a step the journal has already is kept, so running it again adds nothing. "
            + "Exit 2 when something could not be imported (each is named on standard error).")
        {
            zookeeper,
        };
        source.AddTo(command);
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var target = parse.GetValue(zookeeper)!.Trim();
            if (target.StartsWith("zookeeper://", StringComparison.OrdinalIgnoreCase))
            {
                target = target["zookeeper://".Length..];
            }

            // The server first: a journal that cannot be written to is better found before ZooKeeper is read.
            await client.ServerStatusAsync(ct).ConfigureAwait(false);
            var journal = await ReadOriginalAsync(await source.ConnectAsync(target, "the original journal", parse, ct).ConfigureAwait(false), target, source.HasDigest(parse), ct).ConfigureAwait(false);
            var report = await new JournalImporter(client).RunAsync(target, journal, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(report).ConfigureAwait(false);
            }
            else
            {
                foreach (var problem in report.Skipped)
                {
                    await context.Error.WriteLineAsync($"cairn: skipped {JournalImporter.Printable(problem.Origin)}: {problem.Reason}").ConfigureAwait(false);
                }

                foreach (var difference in report.Differences)
                {
                    await context.Error.WriteLineAsync(
                        $"cairn: note: request {JournalImporter.Printable(difference.Txid)} is {difference.Cairn} in Cairn; the original answered {difference.Original} "
                        + "(it read live steps first, then only the newest history node with the request)").ConfigureAwait(false);
                }

                await context.Out.WriteLineAsync(report.Summary()).ConfigureAwait(false);
            }

            return report.Skipped.Count > 0 ? 2 : 0;
        });
        return command;
    }

    // Reads the whole original journal before anything is written: a failure here leaves the journal as it was.
    private static async Task<OriginalJournal> ReadOriginalAsync(ZooKeeperClient zk, string target, bool withDigest, CancellationToken cancellationToken)
    {
        await using (zk.ConfigureAwait(false))
        {
            var chroot = target.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? target[slash..].TrimEnd('/') : "";
            try
            {
                return await new OriginalJournalReader(zk, atServerRoot: chroot.Length == 0).ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NoAuthException ex)
            {
                var what = !withDigest
                    ? "the znodes' ACL does not let an unauthenticated client read them; give --digest USER:PASSWORD of a user it allows"
                    : "the znodes' ACL does not let the --digest user read them (a wrong password is a different identity to ZooKeeper)";
                throw new InvalidOperationException($"ZooKeeper '{target}' refused to let this client read {chroot}{ex.Path ?? ""} (NoAuth): {what}; nothing was imported.", ex);
            }
            catch (ZooKeeperException ex)
            {
                throw new InvalidOperationException($"reading the original journal from ZooKeeper '{target}' failed: {ex.Message.TrimEnd('.')}; nothing was imported.", ex);
            }
        }
    }

    private static IEnumerable<(string Name, string Value)> Fields(JournalFieldsDto fields)
    {
        var all = new (string Name, string? Value)[]
        {
            ("transaction_id", fields.TransactionId), ("request_id", fields.RequestId), ("user_id", fields.UserId),
            ("authuser_id", fields.AuthUserId), ("role", fields.Role), ("host", fields.Host), ("verb", fields.Verb),
            ("resource", fields.Resource), ("resourcegroup", fields.ResourceGroup), ("pk", fields.Pk), ("date", fields.Date),
            ("cm", fields.Cm),
        };
        return all.Where(f => f.Value is not null).Select(f => (f.Name, Text.Preview(Encoding.UTF8.GetBytes(f.Value!), 200)));
    }

    // The message as sent (NaN stays NaN), shortened.
    private static string Message(JournalStepDto step) =>
        step.MessageText is { } sent ? Text.Preview(Encoding.UTF8.GetBytes(sent), 120)
        : step.Message is { ValueKind: not JsonValueKind.Undefined } m ? Text.Preview(Encoding.UTF8.GetBytes(m.GetRawText()), 120)
        : "null";

    private static string Time(DateTimeOffset at) =>
        at == default ? "" : at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string Plural(int count) => count == 1 ? "" : "s";

    private static string Printable(string name) => Text.Preview(Encoding.UTF8.GetBytes(name), 80);

    private static NoSuchRequestException NotFound(string txid) => new(txid);

    private static async Task<byte[]> ReadAllAsync(Stream input, CancellationToken cancellationToken)
    {
        await using (input.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
    }

    /// <summary>Appending one frame of a framed input failed.</summary>
    private sealed class FrameFailedException(string message, Exception inner) : Exception(message, inner);

    /// <summary>The journal has no such request (printed as <c>cairn: request 'X' not found</c>).</summary>
    private sealed class NoSuchRequestException(string txid) : Exception($"request '{txid}' not found");
}
