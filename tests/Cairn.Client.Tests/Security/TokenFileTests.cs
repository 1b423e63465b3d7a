namespace Cairn.Client.Tests.Security;

/// <summary>The token file: private from the moment it exists, read back whole, and for one endpoint.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TokenFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-tokenfile-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Write_MakesTheFile0600_AndItsMissingDirectory0700()
    {
        var file = Path.Combine(_directory, "config", "cairn", "token");

        CairnTokenFile.Write(file, new CairnStoredToken("http://127.0.0.1:7070", "root", "cairn_x"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(file)!));
    }

    [Fact]
    public void Write_ReplacingAFileOthersCouldRead_LeavesOnlyAPrivateOne()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, "token");
        File.WriteAllText(file, "old");
        File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100); // 0644

        CairnTokenFile.Write(file, new CairnStoredToken("http://127.0.0.1:7070", "root", "cairn_x"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal([file], Directory.GetFiles(_directory));
    }

    [Fact]
    public void Read_GivesBackWhatWasWritten_AndIsForItsEndpointOnly()
    {
        var file = Path.Combine(_directory, "token");
        var expires = DateTimeOffset.UtcNow.AddHours(1);
        CairnTokenFile.Write(file, new CairnStoredToken("http://127.0.0.1:7070", "root", "cairn_x", "id1", expires));

        var read = CairnTokenFile.Read(file)!;

        Assert.Equal(new CairnStoredToken("http://127.0.0.1:7070", "root", "cairn_x", "id1", expires), read);
        Assert.True(read.IsFor("http://127.0.0.1:7070/"));
        Assert.False(read.IsFor("http://127.0.0.1:7071"));
        Assert.False(read.IsFor("unix:/tmp/c.sock"));
    }

    [Fact]
    public void Read_OfNoFile_OrOfAnotherKindOfFile_IsNull()
    {
        Directory.CreateDirectory(_directory);
        var other = Path.Combine(_directory, "other");
        File.WriteAllText(other, "not json at all");

        Assert.Null(CairnTokenFile.Read(Path.Combine(_directory, "missing")));
        Assert.Null(CairnTokenFile.Read(other));
    }

    [Fact]
    public void ToString_NeverShowsTheToken()
    {
        var stored = new CairnStoredToken("http://127.0.0.1:7070", "root", "cairn_secretvalue");

        Assert.DoesNotContain("secretvalue", stored.ToString(), StringComparison.Ordinal);
        Assert.Contains("root", stored.ToString(), StringComparison.Ordinal);
    }
}
