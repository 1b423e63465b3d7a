namespace Cairn.Contracts;

/// <summary>An alarm raised on the server, in <c>/v1/status</c> and <c>/healthz</c> (etcd's alarm list).</summary>
public sealed record AlarmDto
{
    /// <summary>Its name: <c>NOSPACE</c> (writes that add data are refused; deletes and compaction work).</summary>
    public string Name { get; init; } = "";

    /// <summary>Why it is raised.</summary>
    public string Reason { get; init; } = "";

    /// <summary>Since when.</summary>
    public DateTimeOffset Since { get; init; }
}
