using System.CommandLine;
using Cairn.Client;

namespace Cairn.Cli;

/// <summary>Where a command reads and writes, and the global options it shares with every other client command.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Func<Stream> stdin, Stream? rawStdout)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    /// <summary>Opens standard input (values and txn documents when no file is given).</summary>
    public Func<Stream> OpenStdin { get; } = stdin;

    /// <summary>The byte stream under <see cref="Out"/> when there is one, so raw values are written unchanged.</summary>
    public Stream? RawOut { get; } = rawStdout;

    public Option<string> Endpoint { get; } = new("--endpoint")
    {
        Description = "The server: http://HOST:PORT or unix:/path/to/cairn.sock (default $CAIRN_ENDPOINT, else http://127.0.0.1:7070).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CAIRN_ENDPOINT") is { Length: > 0 } env ? env : "http://127.0.0.1:7070",
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
        Recursive = true,
    };

    /// <summary>Runs a client command: makes the client, and turns every failure into one <c>cairn: …</c> line and exit 1.</summary>
    public void SetClientAction(Command command, Func<ParseResult, CairnClient, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var client = new CairnClient(parse.GetValue(Endpoint)!);
                return await action(parse, client, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130;
            }
            catch (Exception ex)
            {
                var message = ex is ArgumentException { ParamName: { } name } ? ex.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : ex.Message;
                return await FailAsync(message).ConfigureAwait(false);
            }
        });

    public async Task<int> FailAsync(string message)
    {
        // One line, always: a multi-line message would break scripts that read stderr line by line.
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await Error.WriteLineAsync("cairn: " + line).ConfigureAwait(false);
        return 1;
    }

    public bool WantsJson(ParseResult parse) => parse.GetValue(Json);

    public Task WriteJsonAsync<T>(T value) =>
        Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(value, Contracts.WireJson.Options));
}
