using Cairn.Conformance;
using Cairn.Testing;

namespace Cairn.Storage.Etcd.Tests;

// Every contract suite on etcd: one etcd for the assembly, emptied before each test; the classes run one after another.
[CollectionDefinition(EtcdBackend.Collection)] public sealed class EtcdCollection : ICollectionFixture<EtcdBackend>;
[CollectionDefinition(SecureEtcdBackend.Collection)] public sealed class SecureEtcdCollection : ICollectionFixture<SecureEtcdBackend>;

[Collection(EtcdBackend.Collection)] public sealed class EtcdCompactionTests(EtcdBackend b) : CompactionConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdConcurrencyTests(EtcdBackend b) : ConcurrencyConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdKeyValidationTests(EtcdBackend b) : KeyValidationConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdLimitsTests(EtcdBackend b) : LimitsConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdLeaseTests(EtcdBackend b) : LeaseConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdPutDeleteTests(EtcdBackend b) : PutDeleteConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdRangeTests(EtcdBackend b) : RangeConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdRevisionTests(EtcdBackend b) : RevisionConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdTxnTests(EtcdBackend b) : TxnConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdTxnCompareTests(EtcdBackend b) : TxnCompareConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdWatchTests(EtcdBackend b) : WatchConformance(b);
[Collection(EtcdBackend.Collection)] public sealed class EtcdWatchLivenessTests(EtcdBackend b) : WatchLivenessConformance(b);

// The same contract with every key under a prefix (Etcd:Prefix), on the same shared etcd.
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdCompactionTests(EtcdBackend b) : CompactionConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdConcurrencyTests(EtcdBackend b) : ConcurrencyConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdKeyValidationTests(EtcdBackend b) : KeyValidationConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdLimitsTests(EtcdBackend b) : LimitsConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdLeaseTests(EtcdBackend b) : LeaseConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdPutDeleteTests(EtcdBackend b) : PutDeleteConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdRangeTests(EtcdBackend b) : RangeConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdRevisionTests(EtcdBackend b) : RevisionConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdTxnTests(EtcdBackend b) : TxnConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdTxnCompareTests(EtcdBackend b) : TxnCompareConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdWatchTests(EtcdBackend b) : WatchConformance(b.WithPrefix(EtcdPrefixTests.Prefix));
[Collection(EtcdBackend.Collection)] public sealed class PrefixedEtcdWatchLivenessTests(EtcdBackend b) : WatchLivenessConformance(b.WithPrefix(EtcdPrefixTests.Prefix));

// The same contract over TLS with a client certificate, as an etcd user who is not root (token renewed as etcd wants).
[Collection(SecureEtcdBackend.Collection)] public sealed class SecureEtcdPutDeleteTests(SecureEtcdBackend b) : PutDeleteConformance(b);
[Collection(SecureEtcdBackend.Collection)] public sealed class SecureEtcdTxnTests(SecureEtcdBackend b) : TxnConformance(b);
[Collection(SecureEtcdBackend.Collection)] public sealed class SecureEtcdWatchTests(SecureEtcdBackend b) : WatchConformance(b);
[Collection(SecureEtcdBackend.Collection)] public sealed class SecureEtcdLeaseTests(SecureEtcdBackend b) : LeaseConformance(b);
[Collection(SecureEtcdBackend.Collection)] public sealed class SecureEtcdCompactionTests(SecureEtcdBackend b) : CompactionConformance(b);
