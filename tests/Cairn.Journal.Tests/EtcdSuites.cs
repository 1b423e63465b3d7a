namespace Cairn.Journal.Tests;

// The journal's suites on etcd: one etcd for the assembly, emptied before each test; the classes run one after another.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdJournalConformance(EtcdBackend b) : JournalConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class ArchiveEtcdTests(EtcdBackend b) : ArchiveBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class LargeMessageEtcdTests(EtcdBackend b) : LargeMessageBehaviour(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdJournalInputConformance(EtcdBackend b) : JournalInputConformance(b);
