namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackMatrixTests"/> on ZooKeeper.</summary>
public sealed class AttackMatrixZooKeeperTests(ZooKeeperSecureServer server) : AttackMatrixTests(server), IClassFixture<ZooKeeperSecureServer>;
