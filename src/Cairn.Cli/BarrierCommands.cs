using System.CommandLine;
using System.Globalization;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn barrier hold|release|wait|show|sync</c>: simple and double barriers.</summary>
internal static class BarrierCommands
{
    public static Command Create(CliContext context) => new("barrier", "Barriers: a simple one (held: waiters block; released: they pass) and a double one (rounds of --count participants that enter and leave together).")
    {
        Hold(context),
        Release(context),
        Wait(context),
        Show(context),
        Sync(context),
    };

    private static Argument<string> Name() => new("NAME") { Description = "The barrier's name." };

    private static Command Hold(CliContext context)
    {
        var name = Name();
        var command = new Command("hold", "Hold a barrier: `cairn barrier wait` blocks until it is released.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var state = await client.HoldBarrierAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            await (context.WantsJson(parse) ? context.WriteJsonAsync(state) : context.Out.WriteLineAsync($"barrier {state.Name} held")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Release(CliContext context)
    {
        var name = Name();
        var command = new Command("release", "Release a barrier: everyone waiting passes.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var barrier = parse.GetValue(name)!;
            var released = await client.ReleaseBarrierAsync(barrier, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(released ? $"barrier {barrier} released" : $"barrier {barrier} was not held").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Wait(CliContext context)
    {
        var name = Name();
        var wait = new Option<string?>("--wait") { Description = "Give up (exit 1) when it is still held after this long (default: wait until released)." };
        var command = new Command("wait", "Wait until a barrier is not held (at once when it is not).") { name, wait };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var barrier = parse.GetValue(name)!;
            var limit = ChildProcess.Wait(parse.GetValue(wait));
            if (!await client.WaitBarrierAsync(barrier, limit, ct).ConfigureAwait(false))
            {
                return await context.FailAsync($"barrier {barrier} is still held after {Durations.Format(limit!.Value)}").ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync($"barrier {barrier} passed").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = Name();
        var command = new Command("show", "Print whether a barrier is held, and a double barrier's current round and participants.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var state = await client.GetBarrierAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(state).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync($"barrier {state.Name} {(state.Held ? "held" : "not held")}").ConfigureAwait(false);
            if (state.Round is { } round)
            {
                await context.Out.WriteLineAsync($"round {round.ToString(CultureInfo.InvariantCulture)}: {string.Join(' ', state.Participants ?? [])}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Sync(CliContext context)
    {
        var name = Name();
        var argv = ChildProcess.Argument("between entering and leaving");
        var count = new Option<int>("--count") { Description = "How many participants a round takes (every participant gives the same).", Required = true };
        var wait = new Option<string?>("--wait") { Description = "Give up (exit 1) when the round has not filled, or not emptied, within this long (default: wait)." };
        var ttl = ChildProcess.TtlOption("the participant");
        var command = new Command(
            "sync",
            "Double barrier: enter NAME and wait until --count participants have (a round lets exactly that many through, together), run COMMAND "
            + "if given (with CAIRN_BARRIER and CAIRN_BARRIER_ROUND in its environment), then leave and wait until every participant of the round "
            + "has left. Exit with COMMAND's exit code.")
        {
            name, argv, count, wait, ttl,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var barrier = parse.GetValue(name)!;
            var args = parse.GetValue(argv) ?? [];
            if (args.Length > 0)
            {
                ChildProcess.Check(args, "cairn barrier sync NAME --count N -- COMMAND [ARG…]");
            }

            var limit = ChildProcess.Wait(parse.GetValue(wait));
            using var interruption = new Interruption(ct);
            ct = interruption.Token;
            var session = await client.CreateSessionAsync(ChildProcess.Ttl(parse.GetValue(ttl)!), cancellationToken: ct).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                BarrierEntry entry;
                try
                {
                    entry = await client.EnterBarrierAsync(barrier, parse.GetValue(count), limit, session, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (interruption.Interrupted)
                {
                    return 130;
                }

                var round = entry.Round.ToString(CultureInfo.InvariantCulture);
                await using (entry.ConfigureAwait(false))
                {
                    await context.Out.WriteLineAsync($"entered round {round} of barrier {barrier} ({entry.Count.ToString(CultureInfo.InvariantCulture)} participants)").ConfigureAwait(false);
                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                    var code = 0;
                    if (args.Length > 0)
                    {
                        var environment = new Dictionary<string, string>
                        {
                            ["CAIRN_BARRIER"] = barrier,
                            ["CAIRN_BARRIER_ROUND"] = round,
                            ["CAIRN_BARRIER_PARTICIPANT"] = entry.Participant,
                            ["CAIRN_ENDPOINT"] = client.Endpoint,
                        };
                        code = await ChildProcess.RunUnderAsync(
                            context, args, environment, () => $"lost the place in round {round} of barrier {barrier}: its session ended; the command was killed", entry.Lost, ct).ConfigureAwait(false);
                        if (entry.IsLost || code == 130)
                        {
                            return code;
                        }
                    }

                    bool allLeft;
                    try
                    {
                        allLeft = await entry.LeaveAsync(limit, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (interruption.Interrupted)
                    {
                        return 130;
                    }

                    if (!allLeft)
                    {
                        return await context.FailAsync($"left round {round} of barrier {barrier}, but not every participant had left after {Durations.Format(limit!.Value)}").ConfigureAwait(false);
                    }

                    await context.Out.WriteLineAsync($"left round {round} of barrier {barrier}").ConfigureAwait(false);
                    return code;
                }
            }
        });
        return command;
    }
}
