namespace Cairn.ZooKeeper;

/// <summary>An identity in an ACL: a scheme and an id of that scheme (e.g. <c>world</c>/<c>anyone</c>, <c>digest</c>/<c>user:hash</c>).</summary>
/// <param name="Scheme">The authentication scheme.</param>
/// <param name="Id">The id in that scheme.</param>
public sealed record ZooKeeperId(string Scheme, string Id);
