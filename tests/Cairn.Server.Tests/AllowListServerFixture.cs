namespace Cairn.Server.Tests;

/// <summary>A server that lets in pages of one other origin (<c>Http:AllowedOrigins</c>) and answers two more host names
/// (<c>Http:AllowedHosts</c>), with the Pulzar API on a TCP listener of its own.</summary>
public sealed class AllowListServerFixture : ServerFixture
{
    public const string AllowedOrigin = "http://allowed.example:8080";

    public AllowListServerFixture()
    {
        Settings["Http:AllowedOrigins"] = AllowedOrigin;
        Settings["Http:AllowedHosts"] = "cairn.test, *.cairn.test";
        Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
    }

    /// <summary>The Pulzar listener, <c>http://127.0.0.1:PORT</c>.</summary>
    public string PulzarEndpoint => Server.CompatAddresses("pulzar").Single();
}
