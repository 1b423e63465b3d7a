using Cairn.Core;

namespace Cairn.Contracts;

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
