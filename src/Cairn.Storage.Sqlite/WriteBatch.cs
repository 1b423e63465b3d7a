using Cairn.Storage.Watching;

namespace Cairn.Storage.Sqlite;

/// <summary>
/// The state of the transaction the writer has open: which revision the next write gets, and the sub-revision that
/// orders the changes within one revision (a txn's changes share a revision).
/// </summary>
internal sealed class WriteBatch(SqliteSession session, long revision, long compactRevision)
{
    private long _sub = -1;
    private int _requestEvents;
    private int _requestAfterCommit;

    public SqliteSession Session { get; } = session;

    /// <summary>The revision of the last write applied in this batch (the committed revision before the batch).</summary>
    public long Revision { get; private set; } = revision;

    public long CompactRevision { get; set; } = compactRevision;

    /// <summary>The changes of the batch's kept requests, in order, for watchers.</summary>
    public List<RevisionEvent> Events { get; } = [];

    /// <summary>What to do to in-memory state once the batch is durable (e.g. start a granted lease's clock).</summary>
    public List<Action> AfterCommit { get; } = [];

    /// <summary>Marks the start of a request, so that a failed one leaves no events or after-commit actions behind.</summary>
    public void BeginRequest()
    {
        _requestEvents = Events.Count;
        _requestAfterCommit = AfterCommit.Count;
    }

    /// <summary>True while a write request is being applied and has written at least one change.</summary>
    public bool RequestWrote => _sub >= 0;

    /// <summary>The (revision, sub) of the next change of the current request; the first change claims a new revision.</summary>
    public (long Revision, long Sub) NextChange()
    {
        _sub++;
        return (Revision + 1, _sub);
    }

    /// <summary>Ends a request: if it wrote, its revision becomes the batch's revision.</summary>
    public void EndRequest(bool keep)
    {
        if (keep && _sub >= 0)
        {
            Revision++;
        }

        if (!keep)
        {
            Events.RemoveRange(_requestEvents, Events.Count - _requestEvents);
            AfterCommit.RemoveRange(_requestAfterCommit, AfterCommit.Count - _requestAfterCommit);
        }

        _sub = -1;
    }
}
