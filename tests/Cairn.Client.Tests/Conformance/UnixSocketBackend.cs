namespace Cairn.Client.Tests.Conformance;

/// <summary>The keyspace over HTTP on the server's Unix socket instead of TCP.</summary>
public sealed class UnixSocketBackend : HttpBackend
{
    /// <inheritdoc />
    protected override string Transport => "unix";
}
