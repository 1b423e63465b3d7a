namespace Cairn.Core;

/// <summary>Read the keys in <paramref name="Range"/>, in key order.</summary>
/// <param name="Range">Which keys.</param>
public sealed record RangeRequest(KeyRange Range) : KvRequest
{
    /// <summary>Read as of this store revision; 0 reads the latest. Below the compaction point fails with
    /// <see cref="CompactedException"/>, above the current revision with <see cref="FutureRevisionException"/>.</summary>
    public long Revision { get; init; }

    /// <summary>At most this many keys; 0 means no limit. <see cref="RangeResult.More"/> says whether some were left.</summary>
    public long Limit { get; init; }

    /// <summary>Return keys and metadata, without values.</summary>
    public bool KeysOnly { get; init; }

    /// <summary>Return only <see cref="RangeResult.Count"/>.</summary>
    public bool CountOnly { get; init; }
}
