namespace Cairn.Server.Hosting;

/// <summary>Who this server is and since when.</summary>
internal sealed record NodeInfo(string Id, DateTimeOffset StartedAt, TimeProvider Time);
