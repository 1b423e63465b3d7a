namespace Cairn.Volumes.Tests;

// The blob store's suite on etcd: one etcd for the assembly, emptied before each test.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdBlobStoreTests(EtcdBackend b) : BlobStoreBehaviour(b);
