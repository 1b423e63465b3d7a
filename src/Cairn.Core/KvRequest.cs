namespace Cairn.Core;

/// <summary>One keyspace operation: <see cref="RangeRequest"/>, <see cref="PutRequest"/> or <see cref="DeleteRequest"/>.
/// A <see cref="TxnRequest"/> carries lists of them.</summary>
public abstract record KvRequest;
