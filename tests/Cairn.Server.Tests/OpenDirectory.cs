namespace Cairn.Server.Tests;

/// <summary>
/// A fresh directory that every local user may enter but not write (0755), as /run/cairn or /tmp would be for the
/// sockets of a real deployment; removed with what is in it. Made under /tmp, not the test run's temp directory, which
/// ./test.sh makes private (0700) and so no other user could reach a socket in.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class OpenDirectory : IDisposable
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public OpenDirectory(string name)
    {
        // A directory nobody can enter closes every socket under it, whatever the socket's mode.
        Assert.True(File.GetUnixFileMode("/tmp").HasFlag(UnixFileMode.OtherExecute), $"/tmp is {File.GetUnixFileMode("/tmp")}: other users cannot enter it, so no test can reach a socket in it as another user. Something closed it (a server started with its data directory at /tmp itself makes it 0700); chmod 1777 /tmp.");
        Path = System.IO.Path.Combine("/tmp", $"cairn-{name}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(Path);
        File.SetUnixFileMode(Path, Mode); // exactly, whatever the process's umask (a server in this process set 077)
    }

    public string Path { get; }

    /// <summary>A path in the directory.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
