namespace Cairn.Server.Tests;

// The assembly's one etcd, shared by the cluster tests (one after another), emptied before each.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;
