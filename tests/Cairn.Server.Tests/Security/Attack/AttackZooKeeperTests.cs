namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackTests"/> on ZooKeeper.</summary>
public sealed class AttackZooKeeperTests(ZooKeeperSecureServer server) : AttackTests(server), IClassFixture<ZooKeeperSecureServer>;
