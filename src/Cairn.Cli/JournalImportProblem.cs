namespace Cairn.Cli;

/// <summary>Something of the original journal that <c>cairn journal import</c> did not import.</summary>
internal sealed class JournalImportProblem
{
    /// <summary>The znode (relative to the chroot), or <c>/history/sqlite-db#N row R</c>.</summary>
    public string Origin { get; set; } = "";

    /// <summary>Why.</summary>
    public string Reason { get; set; } = "";
}
