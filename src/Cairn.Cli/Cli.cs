using System.CommandLine;

namespace Cairn.Cli;

/// <summary>The <c>cairn</c> command tree; <c>Program</c> runs it on the console, tests run it in-process.</summary>
internal static class Cli
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream>? stdin = null, Stream? rawStdout = null, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(stdout, stderr, stdin ?? Console.OpenStandardInput, rawStdout);
        var root = new RootCommand("Cairn: coordination and state in one service.")
        {
            ServeCommand.Create(),
            KvCommands.Create(context),
            TxnCommand.Create(context),
            WatchCommand.Create(context),
            LeaseCommands.Create(context),
            AdminCommands.Status(context),
            AdminCommands.Compact(context),
            ClusterCommands.Create(context),
            JournalCommands.Create(context),
            BlobCommands.Create(context),
            BlobCommands.Search(context),
            BlobCommands.Admin(context),
            BlobCommands.Snapshot(context),
            JobCommands.Create(context),
            WorkerCommand.Create(context),
            RunCommands.Create(context),
            PoolCommands.Create(context),
            LockCommands.Create(context),
            ElectCommands.Create(context),
            BarrierCommands.Create(context),
            QueueCommands.Create(context),
            CartCommands.Create(context),
        };
        root.Options.Add(context.Endpoint);
        root.Options.Add(context.Json);

        // No response files: "@FILE" is an argument of its own (cairn job run --args @args.json), not a list of tokens.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            return await context.FailAsync(string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct()) + " (see cairn --help)").ConfigureAwait(false);
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }
}
