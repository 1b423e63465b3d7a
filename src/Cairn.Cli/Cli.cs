using System.CommandLine;

namespace Cairn.Cli;

/// <summary>The <c>cairn</c> command tree; <c>Program</c> runs it on the console, tests run it in-process.</summary>
internal static class Cli
{
    /// <param name="args">The command line.</param>
    /// <param name="stdout">Standard output.</param>
    /// <param name="stderr">Standard error.</param>
    /// <param name="stdin">Opens standard input (default: the console's).</param>
    /// <param name="rawStdout">The bytes under <paramref name="stdout"/>, for raw values.</param>
    /// <param name="environment">Environment variables and the terminal (default: the process's variables, no terminal).</param>
    /// <param name="cancellationToken">Ends the command (as Ctrl-C does).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<Stream>? stdin = null, Stream? rawStdout = null, CliEnvironment? environment = null, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(stdout, stderr, stdin ?? Console.OpenStandardInput, rawStdout, environment ?? CliEnvironment.Process);
        var root = new RootCommand("Cairn: coordination and state in one service.")
        {
            ServeCommand.Create(context),
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
            AuthCommands.Create(context),
            UserCommands.Create(context),
            RoleCommands.Create(context),
            TokenCommands.Create(context),
            LoginCommands.Login(context),
            LoginCommands.Logout(context),
        };
        foreach (var option in context.GlobalOptions)
        {
            root.Options.Add(option);
        }

        // No response files: "@FILE" is an argument of its own (cairn job run --args @args.json), not a list of tokens.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            return await context.FailAsync(string.Join("; ", parse.Errors.Select(e => e.Message.TrimEnd('.')).Distinct()) + " (see cairn --help)").ConfigureAwait(false);
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }
}
