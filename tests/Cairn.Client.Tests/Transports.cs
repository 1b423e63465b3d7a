namespace Cairn.Client.Tests;

/// <summary>Runs a theory once over TCP and once over the Unix socket.</summary>
public static class Transports
{
    public static TheoryData<string> All => new() { "tcp", "unix" };
}
