using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The result of a put.</summary>
public sealed class PutResultDto
{
    public long Revision { get; set; }

    /// <summary>On <c>PUT /v1/kv</c>: true when the put created the key (absent in txn results).</summary>
    public bool? Created { get; set; }

    public KeyValueDto? PrevKv { get; set; }

    /// <summary>On <c>PUT /v1/kv?ttl=</c>: the lease granted for the key.</summary>
    public long? Lease { get; set; }

    public PutResult ToModel() => new(Revision, PrevKv?.ToModel());
}
