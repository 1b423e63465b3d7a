namespace Cairn.Core;

/// <summary>
/// One delivery of a watch: all the events of one revision in the watched range (so a txn's events arrive together),
/// or, with no events, a progress notification saying that every event up to <paramref name="Revision"/> has been
/// delivered. To resume a watch after a disconnection, start it again at <paramref name="Revision"/> + 1.
/// </summary>
/// <param name="Revision">The revision of the events, or for a progress notification the revision reached.</param>
/// <param name="Events">The events, in the order they were written; empty for a progress notification.</param>
public sealed record WatchResponse(long Revision, IReadOnlyList<WatchEvent> Events)
{
    /// <summary>True for a progress notification.</summary>
    public bool IsProgressNotify => Events.Count == 0;
}
