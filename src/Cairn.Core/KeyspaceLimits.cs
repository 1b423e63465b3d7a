namespace Cairn.Core;

/// <summary>Size limits that protect a store and its clients. Defaults follow etcd and ZooKeeper: 1 MiB values.</summary>
public sealed record KeyspaceLimits
{
    /// <summary>Longest key in UTF-8 bytes.</summary>
    public int MaxKeyBytes { get; init; } = 4096;

    /// <summary>Largest value in bytes.</summary>
    public int MaxValueBytes { get; init; } = 1024 * 1024;

    /// <summary>Most ops in one txn (both branches counted separately).</summary>
    public int MaxTxnOps { get; init; } = 128;

    /// <summary>Most watches open at once (every stream and socket watch, and the server's own); 0: no limit.</summary>
    public int MaxWatches { get; init; }

    /// <summary>Throws <see cref="LimitExceededException"/> or <see cref="InvalidArgumentException"/> when a request breaks a limit.</summary>
    public void Check(KvRequest request)
    {
        switch (request)
        {
            case PutRequest put:
                CheckKey(put.Key);
                if (put.Value.Length > MaxValueBytes)
                {
                    throw new LimitExceededException("value", put.Value.Length, MaxValueBytes);
                }

                break;
            case RangeRequest range:
                CheckKey(range.Range.Key);
                break;
            case DeleteRequest delete:
                CheckKey(delete.Range.Key);
                break;
        }
    }

    /// <summary>Checks a whole txn: op counts, then every op and compare.</summary>
    public void Check(TxnRequest txn)
    {
        var ops = Math.Max(txn.Success.Count, txn.Failure.Count);
        if (ops > MaxTxnOps || txn.Compares.Count > MaxTxnOps)
        {
            throw new LimitExceededException("txn", Math.Max(ops, txn.Compares.Count), MaxTxnOps);
        }

        foreach (var compare in txn.Compares)
        {
            CheckKey(compare.Key);
        }

        foreach (var op in txn.Success.Concat(txn.Failure))
        {
            Check(op);
        }
    }

    /// <summary>Checks one key's length.</summary>
    public void CheckKey(string key)
    {
        var bytes = Keys.ByteCount(key);
        if (bytes > MaxKeyBytes)
        {
            throw new LimitExceededException("key", bytes, MaxKeyBytes);
        }
    }
}
