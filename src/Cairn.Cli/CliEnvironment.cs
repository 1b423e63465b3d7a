namespace Cairn.Cli;

/// <summary>
/// What a run of <c>cairn</c> reads from its surroundings besides its streams: environment variables, and the terminal
/// to ask for a password on (null when standard input is not a terminal, e.g. a pipe or a test).
/// </summary>
/// <param name="Variable">Reads an environment variable (null when unset).</param>
/// <param name="ReadSecret">Prints a prompt and reads a line without echoing it; null when there is no terminal.</param>
internal sealed record CliEnvironment(Func<string, string?> Variable, Func<string, string>? ReadSecret)
{
    /// <summary>The process's environment, with no terminal.</summary>
    public static CliEnvironment Process { get; } = new(Environment.GetEnvironmentVariable, null);

    /// <summary>The process's environment, and the console when standard input is a terminal.</summary>
    public static CliEnvironment Console { get; } = new(Environment.GetEnvironmentVariable, System.Console.IsInputRedirected ? null : TerminalSecret.Read);
}
