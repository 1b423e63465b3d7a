using System.CommandLine;
using System.Globalization;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn elect NAME -- COMMAND…</c>, <c>cairn elect show|observe NAME</c>: leader election.</summary>
internal static class ElectCommands
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The election's name." };
        var argv = ChildProcess.Argument("while leading");
        var value = new Option<string?>("--value") { Description = "The value to proclaim while leading, e.g. this service's address (default HOST:PID)." };
        var wait = new Option<string?>("--wait") { Description = "Give up when not leading within this long (default: wait until leading)." };
        var ttl = ChildProcess.TtlOption("the leadership");
        var command = new Command(
            "elect",
            "Campaign in an election, run COMMAND while leading, then resign; exit with COMMAND's exit code. COMMAND gets CAIRN_ELECTION, "
            + "CAIRN_LEADER_KEY and CAIRN_LEADER_TOKEN (the leadership's fencing token) in its environment. If the leadership is lost while "
            + $"COMMAND runs (its session ended), COMMAND and its process group are killed and cairn exits {ChildProcess.LostExitCode}.")
        {
            name, argv, value, wait, ttl,
            Show(context),
            Observe(context),
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var election = parse.GetValue(name)!;
            var args = parse.GetValue(argv) ?? [];
            ChildProcess.Check(args, "cairn elect NAME [--value V] -- COMMAND [ARG…]");
            var options = new CampaignOptions
            {
                Wait = ChildProcess.Wait(parse.GetValue(wait)),
                SessionTtlSeconds = ChildProcess.Ttl(parse.GetValue(ttl)!),
            };
            var proclaimed = parse.GetValue(value) ?? $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}";
            using var interruption = new Interruption(ct);
            Leadership leadership;
            try
            {
                leadership = await client.CampaignAsync(election, proclaimed, options, cancellationToken: interruption.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                return 130;
            }

            await using (leadership.ConfigureAwait(false))
            {
                var token = leadership.Token.ToString(CultureInfo.InvariantCulture);
                var environment = new Dictionary<string, string>
                {
                    ["CAIRN_ELECTION"] = election,
                    ["CAIRN_LEADER_KEY"] = leadership.Key,
                    ["CAIRN_LEADER_TOKEN"] = token,
                    ["CAIRN_LEADER_VALUE"] = proclaimed,
                    ["CAIRN_ENDPOINT"] = client.Endpoint,
                };
                return await ChildProcess.RunUnderAsync(
                    context,
                    args,
                    environment,
                    () => $"lost the leadership of {election} (token {token}) while the command ran: its session ended; the command was killed",
                    leadership.Lost,
                    interruption.Token).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The election's name." };
        var command = new Command("show", "Print the leader: its proclaimed value, token and session; exit 1 when nobody leads.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var election = parse.GetValue(name)!;
            var leader = await client.GetLeaderAsync(election, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"Nobody leads election {election}.");
            await (context.WantsJson(parse) ? context.WriteJsonAsync(leader) : WriteLeaderAsync(context, leader)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Observe(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The election's name." };
        var command = new Command("observe", "Print the leader, then every change of leader or of its value, one per line, until Ctrl-C.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            try
            {
                await foreach (var leader in client.ObserveLeaderAsync(parse.GetValue(name)!, ct).ConfigureAwait(false))
                {
                    await (context.WantsJson(parse) ? context.WriteJsonAsync(leader) : WriteLeaderAsync(context, leader)).ConfigureAwait(false);
                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C: the way an observation ends.
            }

            return 0;
        });
        return command;
    }

    private static Task WriteLeaderAsync(CliContext context, LeaderDto leader) =>
        context.Out.WriteLineAsync(leader.Key.Length == 0
            ? "(no leader)"
            : $"{leader.Value}  token {leader.Token.ToString(CultureInfo.InvariantCulture)}  lease {leader.Lease.ToString(CultureInfo.InvariantCulture)}");
}
