namespace Cairn.Core;

/// <summary>
/// A condition of a <see cref="TxnRequest"/>. As in etcd, a missing key has version, create revision, mod revision
/// and lease 0, and a <see cref="CompareTarget.Value"/> compare on a missing key is false whatever the operator.
/// </summary>
/// <param name="Key">The key compared.</param>
/// <param name="Target">Which property.</param>
/// <param name="Result">Which relation must hold.</param>
/// <param name="Number">The operand for numeric targets.</param>
/// <param name="Value">The operand for <see cref="CompareTarget.Value"/>.</param>
public sealed record Compare(string Key, CompareTarget Target, CompareResult Result, long Number, ReadOnlyMemory<byte> Value)
{
    /// <summary>Compare the key's version.</summary>
    public static Compare Version(string key, CompareResult result, long version) => new(key, CompareTarget.Version, result, version, default);

    /// <summary>Compare the key's create revision.</summary>
    public static Compare CreateRevision(string key, CompareResult result, long revision) => new(key, CompareTarget.CreateRevision, result, revision, default);

    /// <summary>Compare the key's mod revision.</summary>
    public static Compare ModRevision(string key, CompareResult result, long revision) => new(key, CompareTarget.ModRevision, result, revision, default);

    /// <summary>Compare the key's lease.</summary>
    public static Compare Lease(string key, CompareResult result, long lease) => new(key, CompareTarget.Lease, result, lease, default);

    /// <summary>Compare the key's value bytes.</summary>
    public static Compare ValueOf(string key, CompareResult result, ReadOnlyMemory<byte> value) => new(key, CompareTarget.Value, result, 0, value);

    /// <summary>Evaluates this compare against <paramref name="kv"/> (null when the key does not exist).</summary>
    public bool Evaluate(KeyValue? kv)
    {
        int order;
        if (Target == CompareTarget.Value)
        {
            if (kv is null)
            {
                return false;
            }

            order = kv.Value.Span.SequenceCompareTo(Value.Span);
        }
        else
        {
            var actual = Target switch
            {
                CompareTarget.Version => kv?.Version ?? 0,
                CompareTarget.CreateRevision => kv?.CreateRevision ?? 0,
                CompareTarget.ModRevision => kv?.ModRevision ?? 0,
                CompareTarget.Lease => kv?.Lease ?? 0,
                _ => throw new InvalidArgumentException($"Unknown compare target {Target}."),
            };
            order = actual.CompareTo(Number);
        }

        return Result switch
        {
            CompareResult.Equal => order == 0,
            CompareResult.NotEqual => order != 0,
            CompareResult.Greater => order > 0,
            CompareResult.Less => order < 0,
            _ => throw new InvalidArgumentException($"Unknown compare result {Result}."),
        };
    }
}
