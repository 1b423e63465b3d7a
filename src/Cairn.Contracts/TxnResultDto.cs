using Cairn.Core;

namespace Cairn.Contracts;

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
