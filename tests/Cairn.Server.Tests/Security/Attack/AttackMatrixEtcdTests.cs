namespace Cairn.Server.Tests.Security.Attack;

/// <summary><see cref="AttackMatrixTests"/> on etcd.</summary>
[Collection(EtcdBackend.Collection)]
public sealed class AttackMatrixEtcdTests(EtcdSecureServer server) : AttackMatrixTests(server), IClassFixture<EtcdSecureServer>;
