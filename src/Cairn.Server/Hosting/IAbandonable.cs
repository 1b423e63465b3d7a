namespace Cairn.Server.Hosting;

/// <summary>A service that can stop as a crash would for the rest of the cluster (leaving its leases to expire by their
/// TTL instead of giving them back), for tests of node failure; <see cref="CairnServer"/> calls it before stopping.</summary>
internal interface IAbandonable
{
    /// <summary>Stops without giving back what the rest of the cluster sees.</summary>
    Task AbandonAsync();
}
