using System.Text;

namespace Cairn.Cli.Tests;

/// <summary>What one in-process run of <c>cairn</c> printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static Task<CliRun> RunAsync(string[] args, string? stdin = null) => RunAsync(args, Encoding.UTF8.GetBytes(stdin ?? ""));

    /// <summary>Runs with binary standard input (the journal's framed format).</summary>
    public static async Task<CliRun> RunAsync(string[] args, byte[] stdin)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, () => new MemoryStream(stdin));
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that runs until cancelled (watch, keepalive), with output readable while it runs.</summary>
    public static (Task<int> Exit, Func<string> Out) Start(string[] args, CancellationToken cancellationToken)
    {
        var stdout = new LiveWriter();
        var stderr = new LiveWriter();
        var exit = Task.Run(() => Cli.RunAsync(args, stdout, stderr, () => new MemoryStream(), cancellationToken: cancellationToken));
        return (exit, stdout.Text);
    }

    /// <summary>Asserts the run failed the way every failure must: exit 1, nothing on stdout, one <c>cairn:</c> line on stderr.</summary>
    public string AssertOneLineError()
    {
        Assert.Equal(1, ExitCode);
        Assert.Equal("", Out);
        var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("cairn: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", Error, StringComparison.Ordinal);
        return line;
    }
}

/// <summary>A writer whose text another thread may read while it is written.</summary>
internal sealed class LiveWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
        }
    }

    public override Task WriteLineAsync(string? value)
    {
        Write(value + NewLine);
        return Task.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public string Text()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
