using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>A range read: <c>key</c> alone is one key; with <c>prefix</c>, <c>end</c> or <c>fromKey</c> it is a range.</summary>
public sealed class RangeDto
{
    public string? Key { get; set; }

    public bool Prefix { get; set; }

    public string? End { get; set; }

    public bool FromKey { get; set; }

    public long Revision { get; set; }

    public long Limit { get; set; }

    public bool KeysOnly { get; set; }

    public bool CountOnly { get; set; }

    public static RangeDto From(RangeRequest request)
    {
        var dto = new RangeDto { Revision = request.Revision, Limit = request.Limit, KeysOnly = request.KeysOnly, CountOnly = request.CountOnly };
        dto.SetRange(request.Range);
        return dto;
    }

    public RangeRequest ToModel() => new(WireRanges.ToRange(Key, Prefix, End, FromKey))
    {
        Revision = Revision,
        Limit = Limit,
        KeysOnly = KeysOnly,
        CountOnly = CountOnly,
    };

    internal void SetRange(KeyRange range) => (Key, Prefix, End, FromKey) = WireRanges.FromRange(range);
}
