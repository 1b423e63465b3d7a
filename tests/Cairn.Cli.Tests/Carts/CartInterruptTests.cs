using System.Diagnostics;
using System.Globalization;

namespace Cairn.Cli.Tests.Carts;

/// <summary>Ctrl-C during <c>cairn cart get</c> (the real executable, a real SIGINT): exit 130, one line saying so, and
/// the partial download left as it was for the next run to resume. The server stages nothing, so the cart waits.</summary>
public sealed class CartInterruptTests(IdleCartServerFixture fixture) : IClassFixture<IdleCartServerFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _work = Directory.CreateTempSubdirectory("cairn-cart-int-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task CtrlC_WhileTheCartStages_Exits130_AndKeepsThePartialDownload()
    {
        var uid = "int-" + Guid.NewGuid().ToString("N")[..8];
        fixture.AddFile(uid + "/a.bin", 1_000);
        var output = Path.Combine(_work, "out.tar");
        byte[] partial = [1, 2, 3, 4, 5];
        await File.WriteAllBytesAsync(output + ".part", partial);
        await File.WriteAllTextAsync(output + ".part.etag", "\"kept\"\n");

        using var child = ChildCairn.Start("--endpoint", fixture.TcpEndpoint, "cart", "get", uid, uid + "/a.bin", "-o", output);
        await Eventually.UntilAsync(() => child.Error.Contains("waiting for a node", StringComparison.Ordinal) || child.Process.HasExited, Deadline, "cart get is waiting for the cart");
        Assert.False(child.Process.HasExited, child.Error);
        using (var kill = Process.Start("kill", ["-INT", child.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(Deadline);
        await child.Process.WaitForExitAsync(timeout.Token);
        child.Process.WaitForExit();

        Assert.True(child.Process.ExitCode == 130, $"exit {child.Process.ExitCode}: {child.Error}");
        var last = child.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Equal($"cairn: interrupted; {output}.part is kept: run the same command again to resume", last);
        Assert.Equal(partial, await File.ReadAllBytesAsync(output + ".part"));
        Assert.Equal("\"kept\"\n", await File.ReadAllTextAsync(output + ".part.etag"));
        Assert.False(File.Exists(output));
    }
}
