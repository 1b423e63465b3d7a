namespace Cairn.ZooKeeper.Import;

/// <summary>
/// A request whose status in Cairn, once imported, is not what the original answered: the original looked at live
/// znodes first and then only at the newest history node that has the request's begin, commit or abort, while Cairn's
/// status is from all the request's steps (a commit anywhere wins, then an abort, then a begin).
/// </summary>
/// <param name="Txid">The request id.</param>
/// <param name="Original">What the original answered: <c>committed</c>, <c>aborted</c>, <c>in-progress</c> or
/// <c>not found</c>.</param>
/// <param name="Cairn">What Cairn answers, in the same words.</param>
public sealed record OriginalStatusDifference(string Txid, string Original, string Cairn);
