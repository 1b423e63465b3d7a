using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on the assembly's etcd whose clock moves only when a test moves it
/// (<see cref="SecureServer.Clock"/>); login tokens last 10 minutes of it.</summary>
public sealed class EtcdClockSecureServer : SecureServer
{
    private readonly EtcdBackend _etcd;

    public EtcdClockSecureServer(EtcdBackend etcd)
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        _etcd = etcd;
        Settings["Auth:TokenTtl"] = "10m";
    }

    public override string Backend => "etcd";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.EtcdAsync(_etcd);
}
