namespace Cairn.Bench;

/// <summary>The names transports have on the command line, in the result lines and in the report.</summary>
internal static class TransportNames
{
    private static readonly (Transport Transport, string Name)[] All =
        [(Transport.Tcp, "tcp"), (Transport.Unix, "unix"), (Transport.Grpc, "grpc"), (Transport.GrpcUnix, "grpc-unix"), (Transport.Json, "json")];

    /// <summary>The transport's name, e.g. <c>grpc-unix</c>.</summary>
    public static string Name(this Transport transport) => All.First(t => t.Transport == transport).Name;

    /// <summary>The transport called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No transport has that name.</exception>
    public static Transport Parse(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name.Trim(), StringComparison.OrdinalIgnoreCase)) is { Name: not null } match
            ? match.Transport
            : throw new ArgumentException($"Unknown transport '{name}' ({string.Join(", ", All.Select(t => t.Name))}).");
}
