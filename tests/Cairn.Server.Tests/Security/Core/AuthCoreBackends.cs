namespace Cairn.Server.Tests.Security.Core;

/// <summary><see cref="AuthCoreTests"/> on the embedded SQLite store.</summary>
public sealed class AuthCoreSqliteTests(SqliteBackend backend) : AuthCoreTests, IClassFixture<SqliteBackend>
{
    protected override Backend Provider => backend;
}

/// <summary><see cref="AuthCoreTests"/> on the assembly's etcd (emptied before each test).</summary>
[Collection(EtcdBackend.Collection)]
public sealed class AuthCoreEtcdTests(EtcdBackend backend) : AuthCoreTests
{
    protected override Backend Provider => backend;
}

/// <summary><see cref="AuthCoreTests"/> on the process's standalone ZooKeeper, under a root of its own per test.</summary>
public sealed class AuthCoreZooKeeperTests(ZooKeeperBackend backend) : AuthCoreTests, IClassFixture<ZooKeeperBackend>
{
    protected override Backend Provider => backend;
}
