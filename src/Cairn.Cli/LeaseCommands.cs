using System.CommandLine;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn lease grant|keepalive|revoke|ttl|ls</c>.</summary>
internal static class LeaseCommands
{
    public static Command Create(CliContext context) => new("lease", "Grant, keep alive, inspect and revoke leases (keys put with a lease go when it does).")
    {
        Grant(context),
        KeepAlive(context),
        Revoke(context),
        TimeToLive(context),
        List(context),
    };

    private static Command Grant(CliContext context)
    {
        var ttl = new Argument<string>("TTL") { Description = "Time to live (e.g. 30s, 10m, 1h; a number is seconds)." };
        var command = new Command("grant", "Grant a lease; prints its id.") { ttl };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var grant = await client.GrantLeaseAsync(Durations.WholeSeconds(Durations.Parse(parse.GetValue(ttl)!, "TTL")), cancellationToken: ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new LeaseDto { Id = grant.Id, Ttl = grant.TtlSeconds, Remaining = grant.TtlSeconds, Revision = grant.Revision }).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"lease {KvCommands.Num(grant.Id)} granted with TTL {KvCommands.Num(grant.TtlSeconds)}s").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command KeepAlive(CliContext context)
    {
        var id = new Argument<long>("ID") { Description = "The lease id." };
        var once = new Option<bool>("--once") { Description = "Renew once and exit (default: renew every TTL/3 until Ctrl-C)." };
        var command = new Command("keepalive", "Keep a lease alive, printing its remaining TTL after each renewal.") { id, once };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var leaseId = parse.GetValue(id);
            try
            {
                while (true)
                {
                    var lease = await client.KeepAliveLeaseAsync(leaseId, ct).ConfigureAwait(false);
                    if (context.WantsJson(parse))
                    {
                        await context.WriteJsonAsync(LeaseDto.From(lease, withKeys: false)).ConfigureAwait(false);
                    }
                    else
                    {
                        await context.Out.WriteLineAsync($"lease {KvCommands.Num(lease.Id)} kept alive, TTL {KvCommands.Num(lease.RemainingTtlSeconds)}s").ConfigureAwait(false);
                    }

                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                    if (parse.GetValue(once))
                    {
                        return 0;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(lease.GrantedTtlSeconds) / 3, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C: stop renewing; the lease expires after its TTL.
                return 0;
            }
        });
        return command;
    }

    private static Command Revoke(CliContext context)
    {
        var id = new Argument<long>("ID") { Description = "The lease id." };
        var command = new Command("revoke", "Revoke a lease, deleting its keys now.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var leaseId = parse.GetValue(id);
            var revision = await client.RevokeLeaseAsync(leaseId, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new LeaseDto { Id = leaseId, Revision = revision }).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"lease {KvCommands.Num(leaseId)} revoked at revision {KvCommands.Num(revision)}").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command TimeToLive(CliContext context)
    {
        var id = new Argument<long>("ID") { Description = "The lease id." };
        var keys = new Option<bool>("--keys") { Description = "List the keys attached to it." };
        var command = new Command("ttl", "Show a lease's granted and remaining TTL (and its keys).") { id, keys };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var leaseId = parse.GetValue(id);
            var withKeys = parse.GetValue(keys);
            var lease = await client.LeaseTimeToLiveAsync(leaseId, withKeys, ct).ConfigureAwait(false)
                ?? throw new LeaseNotFoundException(leaseId);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(LeaseDto.From(lease, withKeys)).ConfigureAwait(false);
                return 0;
            }

            var rows = new List<IReadOnlyList<string>>
            {
                new[] { "id", KvCommands.Num(lease.Id) },
                new[] { "ttl", KvCommands.Num(lease.GrantedTtlSeconds) },
                new[] { "remaining", KvCommands.Num(lease.RemainingTtlSeconds) },
            };
            if (withKeys)
            {
                rows.Add(["keys", string.Join(' ', lease.Keys)]);
            }

            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"], rows).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", "List live leases.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var leases = await client.ListLeasesAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new LeaseListDto { Leases = leases.Select(l => LeaseDto.From(l, withKeys: false)).ToList() }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["ID", "TTL", "REMAINING"],
                leases.Select(l => (IReadOnlyList<string>)[KvCommands.Num(l.Id), KvCommands.Num(l.GrantedTtlSeconds), KvCommands.Num(l.RemainingTtlSeconds)])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
