using System.CommandLine;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cairn.Cli;

/// <summary>
/// The COMMAND of <c>lock acquire</c>, <c>elect</c>, <c>pool join</c> and <c>barrier sync</c>: run from its argv as given
/// (never through a shell), with standard streams inherited, in a process group of its own (setsid(1), when the system
/// has it) so that it and whatever it started can be killed at once when what it ran under is lost.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The exit code when the command was killed because the lock, leadership or membership it ran under was
    /// lost (EX_TEMPFAIL: trying again may work).</summary>
    public const int LostExitCode = 75;

    private const int SigKill = 9;
    private const int SigTerm = 15;

    // Time for the command to end after SIGTERM (cairn was interrupted) before it is killed.
    private static readonly TimeSpan InterruptGrace = TimeSpan.FromSeconds(3);

    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>How a run ended.</summary>
    public enum Outcome
    {
        /// <summary>The command exited by itself.</summary>
        Exited,

        /// <summary>It was killed because <c>lost</c> fired.</summary>
        Lost,

        /// <summary>It was stopped because cairn was interrupted (Ctrl-C, SIGTERM).</summary>
        Interrupted,
    }

    /// <summary>The COMMAND argument of the commands that run one.</summary>
    public static Argument<string[]> Argument(string what) => new("COMMAND")
    {
        Description = $"The command to run {what}, after '--': its program and arguments, run as given (not through a shell).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>A session TTL option (<c>--ttl</c>): how long what cairn holds outlives it if it dies.</summary>
    public static Option<string> TtlOption(string what) => new("--ttl")
    {
        Description = $"The session's TTL: how long {what} outlives this process if it dies without letting go (default 10s).",
        DefaultValueFactory = _ => "10s",
    };

    /// <summary>Reads a <c>--ttl</c>: whole seconds, at least 1.</summary>
    public static long Ttl(string text)
    {
        var seconds = Core.Durations.WholeSeconds(Core.Durations.Parse(text, "--ttl"));
        return seconds >= 1 ? seconds : throw new ArgumentException($"--ttl must be at least 1s; got '{text}'.");
    }

    /// <summary>Reads an optional <c>--wait</c>.</summary>
    public static TimeSpan? Wait(string? text) => text is null ? null : Core.Durations.Parse(text, "--wait");

    /// <summary>Runs the command under something held (a lock, a leadership, a membership) and turns how it ended into
    /// cairn's exit code: the command's own; <see cref="LostExitCode"/> (with a message) when what it ran under was lost
    /// and it was killed; 130 when cairn was interrupted.</summary>
    public static async Task<int> RunUnderAsync(CliContext context, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, Func<string> lostMessage, CancellationToken lost, CancellationToken interrupted)
    {
        var (outcome, code) = await RunAsync(argv, environment, lost, interrupted).ConfigureAwait(false);
        switch (outcome)
        {
            case Outcome.Lost:
                await context.FailAsync(lostMessage()).ConfigureAwait(false);
                return LostExitCode;
            case Outcome.Interrupted:
                return 130;
            default:
                return code;
        }
    }

    /// <summary>Checks the command before anything is acquired: present, and its program found.</summary>
    /// <exception cref="ArgumentException">No command, or no such program.</exception>
    public static void Check(IReadOnlyList<string>? argv, string usage)
    {
        if (argv is null || argv.Count == 0 || argv[0].Length == 0)
        {
            throw new ArgumentException($"Give the command to run after '--': {usage}.");
        }

        if (Resolve(argv[0]) is null)
        {
            throw new ArgumentException($"Cannot run '{argv[0]}': no such program{(argv[0].Contains('/', StringComparison.Ordinal) ? "" : " on PATH")}.");
        }
    }

    /// <summary>Runs <paramref name="argv"/> with <paramref name="environment"/> added to cairn's own, until it exits,
    /// <paramref name="lost"/> fires (it is killed, with its group, at once), or <paramref name="interrupted"/> fires (it
    /// gets SIGTERM, then SIGKILL after a moment).</summary>
    public static async Task<(Outcome Outcome, int ExitCode)> RunAsync(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment, CancellationToken lost, CancellationToken interrupted)
    {
        var program = Resolve(argv[0]) ?? throw new ArgumentException($"Cannot run '{argv[0]}': no such program.");
        var start = new ProcessStartInfo { UseShellExecute = false };

        // setsid(1) makes the child the leader of a new session and process group and execs in place (the child of a
        // fork is never a group leader), so its pid is the group's id.
        if (Setsid is { } setsid)
        {
            start.FileName = setsid;
            start.ArgumentList.Add(program);
        }
        else
        {
            start.FileName = program;
        }

        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new ArgumentException($"Cannot run '{argv[0]}': {ex.Message}", ex);
        }

        var pid = process.Id;
        var exited = process.WaitForExitAsync(CancellationToken.None);
        var lostTask = Task.Delay(Timeout.Infinite, lost);
        var interruptedTask = Task.Delay(Timeout.Infinite, interrupted);
        var first = await Task.WhenAny(exited, lostTask, interruptedTask).ConfigureAwait(false);
        if (first == exited)
        {
            // Whatever it left running in its group goes with it: nothing acts under a lock after its command ended.
            KillGroup(pid, SigKill);
            return (Outcome.Exited, process.ExitCode);
        }

        if (first == lostTask)
        {
            Kill(process, pid);
            await exited.ConfigureAwait(false);
            return (Outcome.Lost, LostExitCode);
        }

        KillGroup(pid, SigTerm);
        if (Setsid is null)
        {
            Signal(pid, SigTerm);
        }

        if (await Task.WhenAny(exited, Task.Delay(InterruptGrace, CancellationToken.None)).ConfigureAwait(false) != exited)
        {
            Kill(process, pid);
            await exited.ConfigureAwait(false);
        }

        KillGroup(pid, SigKill);
        return (Outcome.Interrupted, process.ExitCode);
    }

    private static void Kill(Process process, int pid)
    {
        KillGroup(pid, SigKill);
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
        catch (Win32Exception)
        {
        }
    }

    private static void KillGroup(int pgid, int signal)
    {
        if (Setsid is not null && pgid > 1)
        {
            _ = KillNative(-pgid, signal);
        }
    }

    private static void Signal(int pid, int signal)
    {
        if (pid > 1)
        {
            _ = KillNative(pid, signal);
        }
    }

    /// <summary>The program's path: as given when it has a '/', else the first executable of that name on PATH.</summary>
    private static string? Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, program);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    [DllImport("libc", EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int KillNative(int pid, int signal);
}
