using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on the standalone ZooKeeper whose clock moves only when a test moves it
/// (<see cref="SecureServer.Clock"/>); login tokens last 10 minutes of it.</summary>
public sealed class ZooKeeperClockSecureServer : SecureServer
{
    public ZooKeeperClockSecureServer()
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        Settings["Auth:TokenTtl"] = "10m";
    }

    public override string Backend => "zookeeper";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.ZooKeeperAsync();
}
