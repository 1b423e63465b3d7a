namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackTests"/> on etcd.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class AttackEtcdTests(EtcdSecureServer server) : AttackTests(server), IClassFixture<EtcdSecureServer>;
