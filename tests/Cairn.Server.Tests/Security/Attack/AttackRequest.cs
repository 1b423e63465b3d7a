namespace Cairn.Server.Tests.Security.Attack;

/// <summary>How a request's answer is read.</summary>
internal enum AttackShape
{
    /// <summary>An ordinary request: status and body.</summary>
    Plain,

    /// <summary>An event stream (SSE): the status, and the body only when it is not a stream.</summary>
    Stream,

    /// <summary>The watch WebSocket: the upgrade's status, then a watch created on it.</summary>
    WebSocket,
}

/// <summary>
/// One representative request of a route family, as an attacker would send it. Text may hold placeholders, filled per
/// test (<see cref="AttackRoutes.Fill"/>): <c>{id}</c> (new for every test), <c>{lease}</c>, <c>{job}</c>,
/// <c>{volume}</c>, <c>{blob}</c> (what the fixture seeded), <c>{leaseid}</c> (a free lease id), <c>{rev}</c> (the store's
/// revision when the test starts).
/// </summary>
/// <param name="Family">The route family (kv, txn, watch, …).</param>
/// <param name="Listener">The listener it is sent to (<see cref="SecureServer.Address"/>).</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">Path and query.</param>
/// <param name="Body">The body; null for none.</param>
/// <param name="ContentType">The body's media type.</param>
/// <param name="Shape">How its answer is read.</param>
internal sealed record AttackRequest(string Family, string Listener, string Method, string Path, string? Body = null, string ContentType = "application/json", AttackShape Shape = AttackShape.Plain)
{
    /// <summary>For a write: how root sees whether it happened.</summary>
    public AttackProbe? Written { get; init; }

    /// <summary>Whether any caller with a credential may (as etcd's status is open to every user): then only the caller
    /// without one is refused.</summary>
    public bool AnyUser { get; init; }

    /// <summary>What root does first (method, path, text body), so that there is something to change.</summary>
    public (string Method, string Path, string Body)? Setup { get; init; }

    /// <summary>The name tests are shown with: family, listener when not the main one, method and path.</summary>
    public string Name => $"{Family}{(Listener == "main" ? "" : "@" + Listener)} {Method} {Path.Split('?')[0]}{(Shape == AttackShape.WebSocket ? " (WebSocket)" : "")}";

    public override string ToString() => Name;
}

/// <summary>What root looks at to see whether a write happened.</summary>
internal enum ProbeKind
{
    /// <summary>A GET of <see cref="AttackProbe.Path"/> is 2xx (not 404).</summary>
    Exists,

    /// <summary>A GET of <see cref="AttackProbe.Path"/> is 404 (a delete happened).</summary>
    Gone,

    /// <summary>A GET of <see cref="AttackProbe.Path"/> is 2xx and its body holds <see cref="AttackProbe.Text"/>.</summary>
    Contains,

    /// <summary>The <c>echo</c> extension was called with <see cref="AttackProbe.Text"/>.</summary>
    Called,

    /// <summary>The store is compacted up to <c>{rev}</c>.</summary>
    Compacted,
}

/// <summary>A probe of a write (<see cref="AttackRequest.Written"/>).</summary>
internal sealed record AttackProbe(ProbeKind Kind, string Path = "", string Text = "");
