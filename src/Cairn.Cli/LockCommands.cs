using System.CommandLine;
using System.Globalization;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary><c>cairn lock acquire|show</c>: run a command holding a lock, with its fencing token.</summary>
internal static class LockCommands
{
    public static Command Create(CliContext context) => new("lock", "Locks (mutex, read-write, semaphore) whose grants carry a fencing token.")
    {
        Acquire(context),
        Show(context),
    };

    private static Command Acquire(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The lock's name." };
        var argv = ChildProcess.Argument("holding the lock");
        var mode = new Option<string>("--mode")
        {
            Description = "exclusive (a mutex; the default), read or write (a read-write lock), or semaphore (up to --permits holders).",
            DefaultValueFactory = _ => LockModes.Exclusive,
        };
        var permits = new Option<int?>("--permits") { Description = "For --mode semaphore: how many holders at once (every holder gives the same)." };
        var wait = new Option<string?>("--wait") { Description = "Give up when the lock is not granted within this long, e.g. 30s (default: wait until it is)." };
        var owner = new Option<string?>("--owner") { Description = "Who holds it, as shown by `cairn lock show` (default HOST:PID)." };
        var ttl = ChildProcess.TtlOption("the lock");
        var command = new Command(
            "acquire",
            "Run COMMAND holding the lock, then release it; exit with COMMAND's exit code. COMMAND gets CAIRN_LOCK_NAME, CAIRN_LOCK_KEY and "
            + "CAIRN_LOCK_TOKEN (the fencing token: pass it to what the lock protects, which refuses a token lower than one it has seen) in its "
            + $"environment. If the lock is lost while COMMAND runs (its session ended), COMMAND and its process group are killed and cairn exits {ChildProcess.LostExitCode}.")
        {
            name, argv, mode, permits, wait, owner, ttl,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var lockName = parse.GetValue(name)!;
            var args = parse.GetValue(argv) ?? [];
            ChildProcess.Check(args, "cairn lock acquire NAME [--mode M] -- COMMAND [ARG…]");
            var lockMode = parse.GetValue(mode)!;
            if (lockMode is not (LockModes.Exclusive or LockModes.Read or LockModes.Write or LockModes.Semaphore))
            {
                throw new ArgumentException($"--mode must be exclusive, read, write or semaphore; got '{lockMode}'.");
            }

            if (parse.GetValue(permits) is not null && lockMode != LockModes.Semaphore)
            {
                throw new ArgumentException("--permits goes with --mode semaphore.");
            }

            var options = new LockOptions
            {
                Mode = lockMode,
                Permits = lockMode == LockModes.Semaphore ? parse.GetValue(permits) ?? 1 : null,
                Owner = parse.GetValue(owner) ?? $"{Environment.MachineName}:{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}",
                Wait = ChildProcess.Wait(parse.GetValue(wait)),
                SessionTtlSeconds = ChildProcess.Ttl(parse.GetValue(ttl)!),
            };
            using var interruption = new Interruption(ct);
            LockHandle handle;
            try
            {
                handle = await client.AcquireLockAsync(lockName, options, cancellationToken: interruption.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interruption.Interrupted)
            {
                return 130;
            }

            await using (handle.ConfigureAwait(false))
            {
                var token = handle.Token.ToString(CultureInfo.InvariantCulture);
                var environment = new Dictionary<string, string>
                {
                    ["CAIRN_LOCK_NAME"] = lockName,
                    ["CAIRN_LOCK_KEY"] = handle.Key,
                    ["CAIRN_LOCK_TOKEN"] = token,
                    ["CAIRN_LOCK_LEASE"] = handle.Session.LeaseId.ToString(CultureInfo.InvariantCulture),
                    ["CAIRN_ENDPOINT"] = client.Endpoint,
                };
                return await ChildProcess.RunUnderAsync(
                    context,
                    args,
                    environment,
                    () => $"lost lock {lockName} (token {token}) while the command ran: its session ended; the command was killed",
                    handle.Lost,
                    interruption.Token).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The lock's name." };
        var command = new Command("show", "Print a lock's holders and waiters in queue order, with their fencing tokens.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var state = await client.GetLockAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(state).ConfigureAwait(false);
                return 0;
            }

            if (state.Queue.Count == 0)
            {
                await context.Out.WriteLineAsync($"lock {state.Name} is free").ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["TOKEN", "STATE", "MODE", "OWNER", "LEASE", "KEY"],
                state.Queue.Select(g => (IReadOnlyList<string>)
                [
                    g.Token.ToString(CultureInfo.InvariantCulture),
                    g.Held ? "held" : "waiting",
                    g.Mode == LockModes.Semaphore ? $"semaphore({g.Permits.ToString(CultureInfo.InvariantCulture)})" : g.Mode,
                    g.Owner ?? "",
                    g.Lease.ToString(CultureInfo.InvariantCulture),
                    g.Key,
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
