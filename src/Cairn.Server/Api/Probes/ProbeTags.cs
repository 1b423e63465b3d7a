namespace Cairn.Server.Api.Probes;

/// <summary>The tags that put a health check in a probe: <c>/livez</c> (and <c>/healthz</c>) run the checks tagged
/// <see cref="Live"/>, <c>/readyz</c> those tagged <see cref="Ready"/>.</summary>
internal static class ProbeTags
{
    /// <summary>The server is alive: it answers reads.</summary>
    public const string Live = "live";

    /// <summary>The server is ready: it accepts writes and knows the cluster's leader.</summary>
    public const string Ready = "ready";
}
