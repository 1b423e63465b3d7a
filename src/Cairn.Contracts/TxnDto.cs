using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body of <c>POST /v1/txn</c>.</summary>
public sealed class TxnDto
{
    public List<CompareDto>? Compare { get; set; }

    public List<OpDto>? Success { get; set; }

    public List<OpDto>? Failure { get; set; }

    public static TxnDto From(TxnRequest request) => new()
    {
        Compare = request.Compares.Select(CompareDto.From).ToList(),
        Success = request.Success.Select(OpDto.From).ToList(),
        Failure = request.Failure.Select(OpDto.From).ToList(),
    };

    public TxnRequest ToModel() => new(
        (Compare ?? []).Select(c => c ?? throw new InvalidArgumentException("A compare is null.")).Select(c => c.ToModel()).ToList(),
        (Success ?? []).Select(o => (o ?? throw new InvalidArgumentException("A txn op is null.")).ToModel()).ToList(),
        (Failure ?? []).Select(o => (o ?? throw new InvalidArgumentException("A txn op is null.")).ToModel()).ToList());
}
