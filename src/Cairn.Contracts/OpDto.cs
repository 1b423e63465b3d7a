using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>One txn op: exactly one of <c>range</c>, <c>put</c>, <c>delete</c>.</summary>
public sealed class OpDto
{
    public RangeDto? Range { get; set; }

    public PutDto? Put { get; set; }

    public DeleteDto? Delete { get; set; }

    public static OpDto From(KvRequest request) => request switch
    {
        RangeRequest range => new OpDto { Range = RangeDto.From(range) },
        PutRequest put => new OpDto { Put = PutDto.From(put) },
        DeleteRequest delete => new OpDto { Delete = DeleteDto.From(delete) },
        _ => throw new InvalidArgumentException($"Unsupported op {request.GetType().Name}."),
    };

    public KvRequest ToModel()
    {
        var count = (Range is null ? 0 : 1) + (Put is null ? 0 : 1) + (Delete is null ? 0 : 1);
        if (count != 1)
        {
            throw new InvalidArgumentException("Each txn op must have exactly one of 'range', 'put' or 'delete'.");
        }

        return Range?.ToModel() ?? Put?.ToModel() ?? (KvRequest)Delete!.ToModel();
    }
}
