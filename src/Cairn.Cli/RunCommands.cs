using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.ZooKeeper;
using Cairn.ZooKeeper.Import;

namespace Cairn.Cli;

/// <summary><c>cairn run create|wait|complete|show|ls|rm|param|import</c>: zookeeper-exp1's run state machine.</summary>
internal static class RunCommands
{
    /// <summary>The exit code of <c>run import</c> when some run could not be imported (1 is a failed command).</summary>
    public const int SomeNotImported = 2;

    public static Command Create(CliContext context) => new("run", "Runs: a topology of node indexes moving together through a state machine, each state a barrier every index completes.")
    {
        CreateRun(context),
        Wait(context),
        Complete(context),
        Show(context),
        List(context),
        Remove(context),
        Param(context),
        Import(context),
    };

    private static Argument<string> RunId() => new("RUN") { Description = "The run id." };

    private static Command CreateRun(CliContext context)
    {
        var id = RunId();
        var topology = new Argument<string>("TOPOLOGY") { Description = """Node → instance indexes as JSON, e.g. '{"node1":[1,2,4],"node2":[2]}'.""" };
        var graph = new Option<string?>("--graph") { Description = """A transition graph of the run's own as JSON, state → next states, e.g. '{"init":["done"],"done":[]}' (default: the seed's, init → provisioning → … → terminated).""" };
        var initial = new Option<string?>("--initial") { Description = "The initial state (default: init)." };
        var defaults = new Option<string?>("--defaults") { Description = """Parameter defaults of every index as JSON, name → value, e.g. '{"image":"debian"}'.""" };
        var parameters = new Option<string?>("--params") { Description = """Parameters per node as JSON, node → name → value, e.g. '{"node1":{"size":"large"}}'.""" };
        var command = new Command("create", "Create a run in its initial state, every index pending; prints its state.") { id, topology, graph, initial, defaults, parameters };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var dto = new CreateRunDto
            {
                Id = parse.GetValue(id)!,
                Topology = ParseJson<Dictionary<string, List<int>>>(parse.GetValue(topology)!, "TOPOLOGY", """a JSON object of node → list of indexes, e.g. {"node1":[1,2,4],"node2":[2]}"""),
                Graph = parse.GetValue(graph) is { } g ? ParseJson<Dictionary<string, List<string>>>(g, "--graph", """a JSON object of state → list of next states, e.g. {"init":["done"],"done":[]}""") : null,
                InitialState = parse.GetValue(initial),
                Defaults = parse.GetValue(defaults) is { } d ? ParseJson<Dictionary<string, string>>(d, "--defaults", """a JSON object of name → text value, e.g. {"image":"debian"}""") : null,
                Parameters = parse.GetValue(parameters) is { } p ? ParseJson<Dictionary<string, Dictionary<string, string>>>(p, "--params", """a JSON object of node → name → text value, e.g. {"node1":{"size":"large"}}""") : null,
            };
            var run = await client.CreateRunAsync(dto, ct).ConfigureAwait(false);
            await (context.WantsJson(parse)
                ? context.WriteJsonAsync(run)
                : context.Out.WriteLineAsync($"run {run.Id} created in state {run.State} ({Count(run.Pending)} pending)")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Wait(CliContext context)
    {
        var id = RunId();
        var command = new Command("wait", "Print each state the run moves to, one per line, as it happens (a line on standard error says it is waiting); exit 0 when it reaches a final state (non-zero if it is deleted).") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var runId = parse.GetValue(id)!;
            var json = context.WantsJson(parse);
            var run = await client.GetRunAsync(runId, ct).ConfigureAwait(false) ?? throw NoSuchRun(runId);
            if (run.Final)
            {
                await (json ? context.WriteJsonAsync(run) : context.Out.WriteLineAsync(run.State)).ConfigureAwait(false);
                return 0;
            }

            // Said on standard error, so that standard output is the states alone.
            await context.Error.WriteLineAsync($"waiting for run {runId} to move on from {run.State}").ConfigureAwait(false);
            await context.Error.FlushAsync(ct).ConfigureAwait(false);

            var deleted = new NotFoundException($"run {runId} was deleted while waiting for it to end.");
            try
            {
                // From the revision after the run as read: a transition between the read and the stream's start is not missed.
                await foreach (var change in client.WatchRunAsync(runId, run.ModRevision + 1, ct).ConfigureAwait(false))
                {
                    if (change.Type == RunEventTypes.Deleted)
                    {
                        throw deleted;
                    }

                    if (change.Type != RunEventTypes.State || change.State is null)
                    {
                        continue;
                    }

                    await (json ? context.WriteJsonAsync(change) : context.Out.WriteLineAsync(change.State)).ConfigureAwait(false);
                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                    if (!run.Graph.TryGetValue(change.State, out var next) || next.Count == 0)
                    {
                        return 0;
                    }
                }
            }
            catch (NotFoundException ex) when (ex != deleted)
            {
                // Deleted between the read and the stream's start: the server does not stream a run that is gone.
                throw deleted;
            }

            throw new UnavailableException($"the stream of run {runId} ended before the run did.");
        });
        return command;
    }

    private static Command Complete(CliContext context)
    {
        var id = RunId();
        var node = new Argument<string>("NODE") { Description = "The node." };
        var index = new Argument<int>("INDEX") { Description = "The node's instance index." };
        var current = new Argument<string>("CURRENT") { Description = "The state the index completed." };
        var next = new Argument<string>("NEXT") { Description = "The state the run moves to once every index has completed CURRENT." };
        var command = new Command("complete", "Complete CURRENT for one node index; the last index to complete moves the run to NEXT. Prints whether it moved.") { id, node, index, current, next };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var runId = parse.GetValue(id)!;
            var from = parse.GetValue(current)!;
            var result = await client.CompleteRunAsync(runId, parse.GetValue(node)!, parse.GetValue(index), from, parse.GetValue(next)!, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(result).ConfigureAwait(false);
            }
            else if (result.Moved)
            {
                await context.Out.WriteLineAsync($"moved: run {runId} is now in state {result.Run.State}").ConfigureAwait(false);
            }
            else
            {
                var already = result.AlreadyCompleted ? "already completed" : "completed";
                await context.Out.WriteLineAsync($"not moved: {already} {from}; {Num(result.Remaining)} index(es) still pending").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = RunId();
        var command = new Command("show", "Print a run: its state, epoch, topology, the indexes pending in the current state, and its parameters.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var runId = parse.GetValue(id)!;
            var run = await client.GetRunAsync(runId, ct).ConfigureAwait(false) ?? throw NoSuchRun(runId);
            var parameters = await client.ListRunParametersAsync(runId, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new { run, parameters }).ConfigureAwait(false);
                return 0;
            }

            var fields = new List<IReadOnlyList<string>>
            {
                new[] { "run", run.Id },
                new[] { "state", run.State + (run.Final ? " (final)" : "") },
                new[] { "epoch", Num(run.Epoch) },
            };
            if (run.NextState is { } nextState)
            {
                fields.Add(["next", nextState]);
            }

            fields.Add(["topology", Nodes(run.Topology)]);
            fields.Add(["pending", run.Pending.Count == 0 ? "-" : $"{Nodes(run.Pending)} ({Num(Count(run.Pending))} of {Num(Count(run.Topology))})"]);
            fields.Add(["transitions", string.Join("; ", run.Graph.Select(s => s.Key + " → " + (s.Value.Count == 0 ? "(final)" : string.Join(", ", s.Value))))]);
            fields.Add(["created", Time(run.CreatedAt)]);
            fields.Add(["state at", Time(run.StateAt)]);
            fields.Add(["revision", Num(run.ModRevision)]);
            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"], fields).ConfigureAwait(false);

            var rows = new List<IReadOnlyList<string>>();
            rows.AddRange(run.Defaults.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)["*", "*", p.Key, Value(p.Value), "default"]));
            rows.AddRange(run.Parameters.OrderBy(n => n.Key, StringComparer.Ordinal)
                .SelectMany(n => n.Value.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)[n.Key, "*", p.Key, Value(p.Value), "node"])));
            rows.AddRange(parameters.Where(p => p.Value is not null).Select(p => (IReadOnlyList<string>)
                [p.Node ?? "-", p.Index is { } i ? Num(i) : "-", p.Name, Value(p.Value!), p.Source]));
            if (rows.Count > 0)
            {
                await context.Out.WriteLineAsync().ConfigureAwait(false);
                await Text.WriteTableAsync(context.Out, ["NODE", "INDEX", "PARAMETER", "VALUE", "SOURCE"], rows).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var after = new Option<string?>("--after") { Description = "Start after this run id." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default: the server's page)." };
        var all = new Option<bool>("--all") { Description = "Follow every page." };
        var command = new Command("ls", "List runs by id: state, epoch, pending indexes.") { after, limit, all };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            if (parse.GetValue(limit) is < 1)
            {
                throw new ArgumentException($"--limit must be at least 1; got {parse.GetValue(limit)}.");
            }

            List<RunDto> runs;
            if (parse.GetValue(all))
            {
                runs = [];
                await foreach (var run in client.ListAllRunsAsync(parse.GetValue(limit), ct).ConfigureAwait(false))
                {
                    runs.Add(run);
                }
            }
            else
            {
                runs = (await client.ListRunsAsync(parse.GetValue(after), parse.GetValue(limit), ct).ConfigureAwait(false)).Runs;
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new RunListDto { Runs = runs }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["RUN", "STATE", "EPOCH", "PENDING", "NODES", "STATE AT"],
                runs.Select(r => (IReadOnlyList<string>)
                [
                    r.Id, r.State, Num(r.Epoch), $"{Num(Count(r.Pending))}/{Num(Count(r.Topology))}", Num(r.Topology.Count), Time(r.StateAt),
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = RunId();
        var command = new Command("rm", "Delete a run with its parameters (its waiters are told).") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var runId = parse.GetValue(id)!;
            if (!await client.DeleteRunAsync(runId, ct).ConfigureAwait(false))
            {
                throw NoSuchRun(runId);
            }

            await context.Out.WriteLineAsync($"run {runId} deleted").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Param(CliContext context) => new("param", "Read and write run parameters: of the run, or of one node index.")
    {
        ParamGet(context),
        ParamSet(context),
    };

    private static Command ParamGet(CliContext context)
    {
        var args = new Argument<string[]>("RUN [NODE INDEX] NAME") { Description = "The run, optionally a node and index, and the parameter's name.", Arity = new ArgumentArity(2, 4) };
        var command = new Command("get", "Print a parameter's value (an index's own, else its node's, else the run's default); exit 1 when it has none.") { args };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var (run, node, index, rest) = Target(parse.GetValue(args)!, 1, "cairn run param get RUN [NODE INDEX] NAME");
            var name = rest[0];
            var parameter = node is null
                ? await client.GetRunParameterAsync(run, name, ct).ConfigureAwait(false)
                : await client.GetRunParameterAsync(run, node, index!.Value, name, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(parameter).ConfigureAwait(false);
                return 0;
            }

            if (parameter.Value is null)
            {
                return await context.FailAsync($"parameter {name} of {Where(run, node, index)} has no value").ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync(parameter.Value).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command ParamSet(CliContext context)
    {
        var args = new Argument<string[]>("RUN [NODE INDEX] NAME VALUE") { Description = "The run, optionally a node and index, the parameter's name and its new value.", Arity = new ArgumentArity(3, 5) };
        var ifRevision = new Option<long?>("--if-revision") { Description = "Write only if the parameter's revision is still this (0: only if it was never set)." };
        var command = new Command("set", "Set a parameter (its subscribers are told); prints its new revision.") { args, ifRevision };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var (run, node, index, rest) = Target(parse.GetValue(args)!, 2, "cairn run param set RUN [NODE INDEX] NAME VALUE");
            var expected = parse.GetValue(ifRevision);
            if (expected is < 0)
            {
                throw new ArgumentException($"--if-revision must be 0 or more; got {expected}.");
            }

            var parameter = node is null
                ? await client.SetRunParameterAsync(run, rest[0], rest[1], expected, ct).ConfigureAwait(false)
                : await client.SetRunParameterAsync(run, node, index!.Value, rest[0], rest[1], expected, ct).ConfigureAwait(false);
            await (context.WantsJson(parse)
                ? context.WriteJsonAsync(parameter)
                : context.Out.WriteLineAsync($"parameter {parameter.Name} of {Where(run, node, index)} set (revision {Num(parameter.ModRevision)})")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Import(CliContext context)
    {
        var zookeeper = new Option<string>("--zookeeper")
        {
            Description = "The original's ZooKeeper: HOST:PORT[,HOST:PORT...][/CHROOT] (a zookeeper:// prefix is taken too).",
            Required = true,
        };
        var chroot = new Option<string?>("--chroot") { Description = "The chroot the original used (its /runs is read below it), e.g. /slipstream." };
        var source = new ZooKeeperSource();
        var graph = new Option<string?>("--graph") { Description = "The transition graph the original's runs followed, as JSON (state → next states), when it was not the seed's (default: the seed's)." };
        var ids = new Argument<string[]>("RUN") { Description = "The runs to import (default: every run under /runs).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(
            "import",
            "Import runs the original wrote into ZooKeeper (/runs/<id>: state, topology, barrier, parameters), each in the state and barrier it had "
            + "(a run caught in a transition arrives in the state it was moving to, its barrier re-armed). Reads ZooKeeper only; a run already in "
            + "Cairn is left as it is. Exit 2 when some run could not be imported (each is named on standard error).")
        {
            zookeeper, chroot, graph, ids,
        };
        source.AddTo(command);
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var target = parse.GetValue(zookeeper)!.Trim();
            if (target.StartsWith("zookeeper://", StringComparison.OrdinalIgnoreCase))
            {
                target = target["zookeeper://".Length..];
            }

            if (parse.GetValue(chroot) is { Length: > 0 } root)
            {
                if (!root.StartsWith('/') || target.Contains('/', StringComparison.Ordinal))
                {
                    throw new ArgumentException("--chroot is a path starting with '/', given once: in --chroot or at the end of --zookeeper.");
                }

                target += root.TrimEnd('/');
            }

            var transitions = parse.GetValue(graph) is { } g
                ? ParseJson<Dictionary<string, List<string>>>(g, "--graph", """a JSON object of state → list of next states, e.g. {"init":["running"],"running":[]}""")
                : RunGraphs.Default();
            var wanted = parse.GetValue(ids) ?? [];

            // The server first: nothing is read from ZooKeeper for a server that cannot take it.
            await client.ServerStatusAsync(ct).ConfigureAwait(false);
            var (runs, problems) = await ReadOriginalRunsAsync(await source.ConnectAsync(target, "the original's runs", parse, ct).ConfigureAwait(false), target, wanted, ct).ConfigureAwait(false);
            var report = new List<RunImportLine>();
            report.AddRange(problems);
            foreach (var original in runs)
            {
                report.Add(await ImportOneAsync(client, original, transitions, ct).ConfigureAwait(false));
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(report).ConfigureAwait(false);
            }
            else
            {
                foreach (var line in report)
                {
                    var writer = line.Outcome == "skipped" ? context.Error : context.Out;
                    await writer.WriteLineAsync((line.Outcome == "skipped" ? "cairn: skipped " : line.Outcome + " ") + $"{line.Run}: {line.Detail}").ConfigureAwait(false);
                }

                await context.Out.WriteLineAsync(
                    $"{Num(report.Count(l => l.Outcome == "imported"))} run(s) imported, {Num(report.Count(l => l.Outcome == "present"))} already in Cairn, "
                    + $"{Num(report.Count(l => l.Outcome == "skipped"))} skipped").ConfigureAwait(false);
            }

            return report.Any(l => l.Outcome == "skipped") ? SomeNotImported : 0;
        });
        return command;
    }

    /// <summary>One line of <c>run import</c>'s report.</summary>
    private sealed record RunImportLine(string Run, string Outcome, string Detail);

    private static async Task<RunImportLine> ImportOneAsync(CairnClient client, OriginalRun original, Dictionary<string, List<string>> graph, CancellationToken ct)
    {
        var id = original.RunId;
        if (original.State is null && original.TransitionTo is null)
        {
            return new(id, "skipped", "it has no state znode (the original was creating it)");
        }

        if (original.TransitionTo is null && original.Pending.Count == 0 && graph.TryGetValue(original.State!, out var onward) && onward.Count > 0)
        {
            return new(id, "skipped", $"every index has completed {original.State}, but the move to the next state had not begun (no transition znode): import it again once the original has moved it");
        }

        var topology = original.Topology.ToDictionary(n => n.Key, n => n.Value.ToList(), StringComparer.Ordinal);
        var inTransition = original.TransitionTo is not null;

        // A run caught moving on arrives in the state it was moving to, with every index pending again: what the
        // original's mover would have left had it finished.
        var state = original.TransitionTo ?? original.State!;
        var pending = inTransition ? topology.ToDictionary(n => n.Key, n => n.Value.Order().ToList(), StringComparer.Ordinal) : original.Pending.ToDictionary(n => n.Key, n => n.Value.ToList(), StringComparer.Ordinal);
        var dto = new ImportRunDto
        {
            Run = new RunDto
            {
                Id = id,
                State = state,
                Epoch = 0,
                Topology = topology,
                Graph = graph.ToDictionary(t => t.Key, t => t.Value.ToList(), StringComparer.Ordinal),
                Pending = pending,
            },
            Parameters = original.Parameters.Count == 0 ? null : original.Parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        };
        try
        {
            var run = await client.ImportRunAsync(dto, ct).ConfigureAwait(false);
            var how = inTransition ? $", finishing its move from {original.State ?? "?"}" : "";
            return new(id, "imported", $"state {run.State}{how}, {Num(Count(run.Pending))} of {Num(Count(run.Topology))} pending, {Num(original.Parameters.Count)} parameter(s)");
        }
        catch (ConflictException)
        {
            return new(id, "present", "a run of that id is in Cairn already; left as it is");
        }
        catch (CairnException ex) when (ex is InvalidArgumentException or InvalidTransitionException or LimitExceededException or NotFoundException)
        {
            return new(id, "skipped", ex.Message);
        }
    }

    // Reads every run asked for before anything is written: a failure here leaves Cairn as it was.
    private static async Task<(IReadOnlyList<OriginalRun> Runs, IReadOnlyList<RunImportLine> Problems)> ReadOriginalRunsAsync(ZooKeeperClient zk, string target, IReadOnlyList<string> ids, CancellationToken ct)
    {
        await using (zk.ConfigureAwait(false))
        {
            var reader = new RunLayoutReader(zk);
            var problems = new List<RunImportLine>();
            try
            {
                if (ids.Count == 0)
                {
                    var all = await reader.ReadAllAsync(ct).ConfigureAwait(false);
                    problems.AddRange(all.Unreadable.Select(u => new RunImportLine(RunOf(u.Path), "skipped", $"{u.Path}: {u.Reason}")));
                    return (all.Runs, problems);
                }

                var runs = new List<OriginalRun>();
                foreach (var id in ids)
                {
                    try
                    {
                        if (await reader.ReadAsync(id, ct).ConfigureAwait(false) is { } run)
                        {
                            runs.Add(run);
                        }
                        else
                        {
                            problems.Add(new(id, "skipped", $"there is no {RunLayoutReader.Root}/{id} in ZooKeeper"));
                        }
                    }
                    catch (OriginalLayoutException ex)
                    {
                        problems.Add(new(id, "skipped", $"{ex.Path}: {ex.Reason}"));
                    }
                    catch (ArgumentException ex)
                    {
                        problems.Add(new(id, "skipped", ex.Message));
                    }
                }

                return (runs, problems);
            }
            catch (ZooKeeperException ex)
            {
                throw new InvalidOperationException($"reading the original's runs from ZooKeeper '{target}' failed: {ex.Message.TrimEnd('.')}; nothing was imported.", ex);
            }
        }
    }

    private static string RunOf(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? parts[1] : path;
    }

    /// <summary>Splits <c>RUN [NODE INDEX] REST…</c> (REST of <paramref name="rest"/> words).</summary>
    private static (string Run, string? Node, int? Index, string[] Words) Target(string[] args, int rest, string usage)
    {
        if (args.Length == 1 + rest)
        {
            return (args[0], null, null, args[1..]);
        }

        if (args.Length != 3 + rest)
        {
            throw new ArgumentException($"Expected {usage}; got {args.Length} argument(s).");
        }

        if (!int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            throw new ArgumentException($"INDEX must be a non-negative integer; got '{args[2]}' (usage: {usage}).");
        }

        return (args[0], args[1], index, args[3..]);
    }

    private static T ParseJson<T>(string text, string what, string shape)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, WireJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new ArgumentException($"{what} must be {shape}; got '{Text.Preview(System.Text.Encoding.UTF8.GetBytes(text), 80)}'.");
        }
    }

    private static NotFoundException NoSuchRun(string id) => new($"There is no run {id}.");

    private static string Where(string run, string? node, int? index) => node is null ? $"run {run}" : $"{node} {Num(index!.Value)} of run {run}";

    private static int Count(Dictionary<string, List<int>> nodes) => nodes.Values.Sum(i => i.Count);

    private static string Nodes(Dictionary<string, List<int>> nodes) =>
        string.Join("  ", nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key} [{string.Join(' ', n.Value.Select(i => Num(i)))}]"));

    private static string Value(string value) => Text.Preview(System.Text.Encoding.UTF8.GetBytes(value), 60);

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
