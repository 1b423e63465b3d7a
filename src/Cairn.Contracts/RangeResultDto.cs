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
