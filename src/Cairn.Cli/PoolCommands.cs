using System.CommandLine;
using System.Globalization;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary><c>cairn pool join|ls|watch</c>: zookeeper-exp1's buddy circle.</summary>
internal static class PoolCommands
{
    public static Command Create(CliContext context) => new("pool", "Pools (the buddy circle): members in join order, each watching its predecessor and taking over its in-flight items when it dies.")
    {
        Join(context),
        List(context),
        Watch(context),
    };

    private static Command Join(CliContext context)
    {
        var pool = new Argument<string>("POOL") { Description = "The pool's name." };
        var argv = ChildProcess.Argument("while a member");
        var name = new Option<string?>("--name") { Description = "A name for the member, shown in listings (default HOST:PID)." };
        var ttl = ChildProcess.TtlOption("the membership");
        var command = new Command(
            "join",
            "Join a pool and stay a member until Ctrl-C (or, with a COMMAND, until it exits: cairn exits with its code), printing the member's "
            + "events: its buddy, and the items it takes over from a dead member. COMMAND gets CAIRN_POOL, CAIRN_POOL_MEMBER and CAIRN_POOL_LEASE "
            + $"in its environment. If the membership is lost (its session ended), COMMAND is killed and cairn exits {ChildProcess.LostExitCode}.")
        {
            pool, argv, name, ttl,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var poolName = parse.GetValue(pool)!;
            var args = parse.GetValue(argv) ?? [];
            if (args.Length > 0)
            {
                ChildProcess.Check(args, "cairn pool join POOL -- COMMAND [ARG…]");
            }

            var json = context.WantsJson(parse);
            using var interruption = new Interruption(ct);
            ct = interruption.Token;
            PoolMembership membership;
            try
            {
                membership = await client.JoinPoolAsync(
                    poolName,
                    parse.GetValue(name) ?? $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}",
                    sessionTtlSeconds: ChildProcess.Ttl(parse.GetValue(ttl)!),
                    cancellationToken: ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                return 130;
            }

            await using (membership.ConfigureAwait(false))
            {
                await (json ? context.WriteJsonAsync(membership.Member) : context.Out.WriteLineAsync($"joined {poolName} as {membership.Id}")).ConfigureAwait(false);
                await context.Out.FlushAsync(ct).ConfigureAwait(false);
                using var stopPrinting = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var printing = PrintEventsAsync(context, membership, json, stopPrinting.Token);
                var lostMessage = $"lost membership {membership.Id} of pool {poolName}: its session ended (join again to take part)";
                try
                {
                    if (args.Length > 0)
                    {
                        var environment = new Dictionary<string, string>
                        {
                            ["CAIRN_POOL"] = poolName,
                            ["CAIRN_POOL_MEMBER"] = membership.Id,
                            ["CAIRN_POOL_LEASE"] = membership.Session.LeaseId.ToString(CultureInfo.InvariantCulture),
                            ["CAIRN_ENDPOINT"] = client.Endpoint,
                        };
                        return await ChildProcess.RunUnderAsync(context, args, environment, () => lostMessage, membership.Lost, ct).ConfigureAwait(false);
                    }

                    try
                    {
                        await Task.Delay(Timeout.Infinite, membership.Lost).WaitAsync(ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return 0; // Ctrl-C: leave the pool.
                    }
                    catch (OperationCanceledException)
                    {
                        // Lost.
                    }

                    await printing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    await context.FailAsync(lostMessage).ConfigureAwait(false);
                    return ChildProcess.LostExitCode;
                }
                finally
                {
                    await stopPrinting.CancelAsync().ConfigureAwait(false);
                    await printing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        });
        return command;
    }

    private static async Task PrintEventsAsync(CliContext context, PoolMembership membership, bool json, CancellationToken cancellationToken)
    {
        await foreach (var change in membership.Events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (json)
            {
                await context.WriteJsonAsync(change).ConfigureAwait(false);
            }
            else
            {
                var line = change.Type switch
                {
                    PoolEventTypes.Buddy => $"buddy {change.Buddy ?? "(none: alone in the pool)"}",
                    PoolEventTypes.Takeover => $"takeover from {change.From}: {string.Join(' ', change.Items?.Select(i => i.Item) ?? [])}",
                    PoolEventTypes.Lost => null,
                    _ => $"{change.Type} {change.Member}",
                };
                if (line is not null)
                {
                    await context.Out.WriteLineAsync(line).ConfigureAwait(false);
                }
            }

            await context.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static Command List(CliContext context)
    {
        var pool = new Argument<string?>("POOL") { Description = "The pool (default: list the pools).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("ls", "List a pool's members in join order, with their buddies and in-flight items (or, without POOL, the pools).") { pool };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            if (parse.GetValue(pool) is not { } poolName)
            {
                var pools = await client.ListPoolsAsync(ct).ConfigureAwait(false);
                if (context.WantsJson(parse))
                {
                    await context.WriteJsonAsync(new { pools }).ConfigureAwait(false);
                    return 0;
                }

                foreach (var name in pools)
                {
                    await context.Out.WriteLineAsync(name).ConfigureAwait(false);
                }

                return 0;
            }

            var state = await client.GetPoolAsync(poolName, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(state).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["MEMBER", "NAME", "BUDDY", "IN FLIGHT", "JOINED", "LEASE"],
                state.Members.Select(m => (IReadOnlyList<string>)
                [
                    m.Id, m.Name ?? "", m.Buddy ?? "-", m.InFlight.ToString(CultureInfo.InvariantCulture),
                    m.JoinedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture), m.Lease.ToString(CultureInfo.InvariantCulture),
                ])).ConfigureAwait(false);
            foreach (var (member, items) in state.Orphaned)
            {
                await context.Out.WriteLineAsync($"orphaned (of gone member {member}): {string.Join(' ', items)}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Watch(CliContext context)
    {
        var pool = new Argument<string>("POOL") { Description = "The pool's name." };
        var command = new Command("watch", "Print each member that joins or leaves the pool, one per line, until Ctrl-C.") { pool };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var poolName = parse.GetValue(pool)!;
            var json = context.WantsJson(parse);
            try
            {
                // From the revision after the listing: a change between the two is not missed.
                var state = await client.GetPoolAsync(poolName, ct).ConfigureAwait(false);
                await foreach (var change in client.WatchPoolAsync(poolName, state.Revision > 0 ? state.Revision + 1 : 0, ct).ConfigureAwait(false))
                {
                    await (json ? context.WriteJsonAsync(change) : context.Out.WriteLineAsync($"{change.Type} {change.Member}")).ConfigureAwait(false);
                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C: the way a watch ends.
            }

            return 0;
        });
        return command;
    }
}
