namespace Cairn.Cli;

/// <summary>A request whose status in Cairn, after <c>cairn journal import</c>, is not what the original answered.</summary>
internal sealed class JournalImportDifference
{
    public string Txid { get; set; } = "";

    /// <summary>The original's answer: committed, aborted, in-progress or not found.</summary>
    public string Original { get; set; } = "";

    /// <summary>Cairn's.</summary>
    public string Cairn { get; set; } = "";
}
