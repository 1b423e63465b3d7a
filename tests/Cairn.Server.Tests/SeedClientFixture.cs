namespace Cairn.Server.Tests;

/// <summary>
/// A server whose journal listens at <c>journal.sock</c> (its default mode) and whose main API also listens at
/// <c>cairn.sock?mode=0666</c>, both in a directory every user may enter (<see cref="OpenDirectory"/>); the data
/// directory stays private.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SeedClientFixture : IAsyncLifetime
{
    private readonly OpenDirectory _open = new("seed");

    public SeedClientFixture()
    {
        Server.Settings["Listen:2"] = $"unix:{MainSocket}?mode=0666";
        Server.Settings["Journal:Listen:0"] = "unix:" + JournalSocket;
    }

    public ServerFixture Server { get; } = new();

    internal OpenDirectory Open => _open;

    /// <summary>The journal's own socket, as the seed's /tmp/journal.sock.</summary>
    public string JournalSocket => _open["journal.sock"];

    /// <summary>A socket of the main API, open to every user.</summary>
    public string MainSocket => _open["cairn.sock"];

    public Task InitializeAsync() => Server.InitializeAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _open.Dispose();
    }
}
