using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The result of a range read (also the body of a listing).</summary>
public sealed class RangeResultDto
{
    public long Revision { get; set; }

    public long Count { get; set; }

    public bool More { get; set; }

    /// <summary>For listings: pass as <c>after</c> to get the next page (null on the last page).</summary>
    public string? Next { get; set; }

    public List<KeyValueDto> Kvs { get; set; } = [];

    public static RangeResultDto From(RangeResult result) => new()
    {
        Revision = result.Revision,
        Count = result.Count,
        More = result.More,
        Next = result.More && result.Kvs.Count > 0 ? result.Kvs[^1].Key : null,
        Kvs = result.Kvs.Select(KeyValueDto.From).ToList(),
    };

    public RangeResult ToModel() => new(Revision, Kvs.Select(k => k.ToModel()).ToList(), More, Count);
}

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

/// <summary>The result of a delete.</summary>
public sealed class DeleteResultDto
{
    public long Revision { get; set; }

    public long Deleted { get; set; }

    public List<KeyValueDto>? PrevKvs { get; set; }

    public static DeleteResultDto From(DeleteResult result) => new()
    {
        Revision = result.Revision,
        Deleted = result.Deleted,
        PrevKvs = result.PrevKvs.Count > 0 ? result.PrevKvs.Select(KeyValueDto.From).ToList() : null,
    };

    public DeleteResult ToModel() => new(Revision, Deleted, PrevKvs?.Select(k => k.ToModel()).ToList() ?? []);
}

/// <summary>One op's result in a txn: exactly one member is set.</summary>
public sealed class OpResultDto
{
    public RangeResultDto? Range { get; set; }

    public PutResultDto? Put { get; set; }

    public DeleteResultDto? Delete { get; set; }

    public static OpResultDto From(KvResult result) => result switch
    {
        RangeResult range => new OpResultDto { Range = RangeResultDto.From(range) },
        PutResult put => new OpResultDto { Put = new PutResultDto { Revision = put.Revision, PrevKv = put.PrevKv is null ? null : KeyValueDto.From(put.PrevKv) } },
        DeleteResult delete => new OpResultDto { Delete = DeleteResultDto.From(delete) },
        _ => throw new InvalidOperationException($"Unexpected result {result.GetType().Name}."),
    };

    public KvResult ToModel() => Range?.ToModel() ?? Put?.ToModel() ?? (KvResult?)Delete?.ToModel()
        ?? throw new InvalidArgumentException("A txn result has no member set.");
}

/// <summary>The result of <c>POST /v1/txn</c>.</summary>
public sealed class TxnResultDto
{
    public long Revision { get; set; }

    public bool Succeeded { get; set; }

    public List<OpResultDto> Results { get; set; } = [];

    public static TxnResultDto From(TxnResult result) => new()
    {
        Revision = result.Revision,
        Succeeded = result.Succeeded,
        Results = result.Results.Select(OpResultDto.From).ToList(),
    };

    public TxnResult ToModel() => new(Revision, Succeeded, Results.Select(r => r.ToModel()).ToList());
}

/// <summary>The body and result of <c>POST /v1/compact</c>.</summary>
public sealed class CompactDto
{
    public long Revision { get; set; }

    public long CompactRevision { get; set; }
}

/// <summary>The body of <c>GET /v1/status</c>.</summary>
public sealed class StatusDto
{
    public long Revision { get; set; }

    public long CompactRevision { get; set; }

    public long KeyCount { get; set; }

    public long SizeBytes { get; set; }

    public string Backend { get; set; } = "";

    public string Version { get; set; } = "";

    public string? NodeId { get; set; }

    public double UptimeSeconds { get; set; }
}
