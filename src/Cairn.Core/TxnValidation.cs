namespace Cairn.Core;

/// <summary>Structural rules for a txn that every backend enforces identically (etcd's rules).</summary>
public static class TxnValidation
{
    /// <summary>Rejects a branch that writes one key twice, or puts a key that a delete in the same branch covers.</summary>
    public static void Validate(TxnRequest txn)
    {
        ArgumentNullException.ThrowIfNull(txn);
        foreach (var compare in txn.Compares)
        {
            Keys.Validate(compare.Key);
            if (!Enum.IsDefined(compare.Target))
            {
                throw new InvalidArgumentException($"Unknown compare target {(int)compare.Target}.");
            }

            if (!Enum.IsDefined(compare.Result))
            {
                throw new InvalidArgumentException($"Unknown compare result {(int)compare.Result}.");
            }
        }

        ValidateBranch(txn.Success, "success");
        ValidateBranch(txn.Failure, "failure");
    }

    private static void ValidateBranch(IReadOnlyList<KvRequest> ops, string branch)
    {
        var puts = new HashSet<string>(StringComparer.Ordinal);
        var deletes = new List<KeyRange>();
        foreach (var op in ops)
        {
            switch (op)
            {
                case PutRequest put:
                    Keys.Validate(put.Key);
                    if (!puts.Add(put.Key))
                    {
                        throw new InvalidArgumentException($"The {branch} branch puts key '{put.Key}' twice; a txn may write a key only once.");
                    }

                    break;
                case DeleteRequest delete:
                    deletes.Add(delete.Range);
                    break;
                case RangeRequest:
                    break;
                case null:
                    throw new InvalidArgumentException($"The {branch} branch has an empty op.");
                default:
                    throw new InvalidArgumentException($"The {branch} branch has an unsupported op {op.GetType().Name}.");
            }
        }

        foreach (var delete in deletes)
        {
            foreach (var key in puts)
            {
                if (delete.Contains(System.Text.Encoding.UTF8.GetBytes(key)))
                {
                    throw new InvalidArgumentException($"The {branch} branch both puts and deletes key '{key}'; a txn may write a key only once.");
                }
            }
        }
    }
}
