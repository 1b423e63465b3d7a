namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="ExpiryTests"/> on etcd.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class ExpiryEtcdTests(EtcdClockSecureServer server) : ExpiryTests(server), IClassFixture<EtcdClockSecureServer>;
