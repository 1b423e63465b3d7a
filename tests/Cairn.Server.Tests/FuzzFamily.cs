using FsCheck;

namespace Cairn.Server.Tests;

/// <summary>A group of routes and the generator of requests to them.</summary>
/// <param name="Name">Shown in the test name and in failures.</param>
/// <param name="Routes">The server's route patterns these requests aim at (checked against the server's own list, so a
/// new route without a generator fails a test).</param>
/// <param name="Requests">The generator.</param>
internal sealed record FuzzFamily(string Name, IReadOnlyList<string> Routes, Gen<FuzzRequest> Requests)
{
    public override string ToString() => Name;
}
