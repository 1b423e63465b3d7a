using System.Text;

namespace Cairn.Cli.Tests;

/// <summary>What one in-process run of <c>cairn</c> printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, string? stdin = null)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.RunAsync(args, stdout, stderr, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? "")));
        return new CliRun(code, stdout.ToString(), stderr.ToString());
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
