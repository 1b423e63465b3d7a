using Cairn.Core;

namespace Cairn.Contracts;

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
