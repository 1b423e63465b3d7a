namespace Cairn.Storage.Etcd;

/// <summary>What a request asked for, so that an error can say it back (the revision, the lease, the op count, the size).</summary>
internal readonly record struct RequestFacts(long Revision = 0, long Lease = 0, int Ops = 0, long Size = 0);
