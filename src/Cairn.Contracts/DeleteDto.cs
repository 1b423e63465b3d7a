using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>A delete of one key or a range (same range fields as <see cref="RangeDto"/>).</summary>
public sealed class DeleteDto
{
    public string? Key { get; set; }

    public bool Prefix { get; set; }

    public string? End { get; set; }

    public bool FromKey { get; set; }

    public bool PrevKvs { get; set; }

    public static DeleteDto From(DeleteRequest request)
    {
        var (key, prefix, end, fromKey) = WireRanges.FromRange(request.Range);
        return new DeleteDto { Key = key, Prefix = prefix, End = end, FromKey = fromKey, PrevKvs = request.PrevKvs };
    }

    public DeleteRequest ToModel() => new(WireRanges.ToRange(Key, Prefix, End, FromKey)) { PrevKvs = PrevKvs };
}
