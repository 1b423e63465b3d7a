namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="ExpiryTests"/> on ZooKeeper.</summary>
public sealed class ExpiryZooKeeperTests(ZooKeeperClockSecureServer server) : ExpiryTests(server), IClassFixture<ZooKeeperClockSecureServer>;
