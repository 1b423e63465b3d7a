namespace Cairn.ZooKeeper.Import;

/// <summary>Where the original Journal kept a step.</summary>
public enum OriginalJournalSource
{
    /// <summary>A live step znode <c>/&lt;txid&gt;/&lt;step&gt;</c>, not folded yet.</summary>
    Live,

    /// <summary>A row of a history node <c>/history/sqlite-db#N</c>.</summary>
    History,
}

/// <summary>One step of the original Journal, as Cairn's journal append takes it.</summary>
/// <param name="Txid">The request id: the znode's name for a live step, the row's <c>request_id</c> for history.</param>
/// <param name="Step">The step: the znode's name, or the row's <c>step</c>.</param>
/// <param name="Message">The JSON message: the live znode's, as the original's client sent it; for a history row, the
/// object the original's status answered for it.</param>
/// <param name="Source">Live or history.</param>
/// <param name="Origin">Where it was read: <c>/&lt;txid&gt;/&lt;step&gt;</c>, or <c>/history/sqlite-db#N row R</c>.</param>
public sealed record OriginalJournalEntry(string Txid, string Step, ReadOnlyMemory<byte> Message, OriginalJournalSource Source, string Origin);
