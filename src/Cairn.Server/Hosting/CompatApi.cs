namespace Cairn.Server.Hosting;

/// <summary>
/// A seed-compatible API: served under <see cref="Prefix"/> on every listener, and at the root of each of its own
/// listeners (<see cref="ListenSetting"/>), which then serve that API and nothing else. The host maps
/// <see cref="Map"/> once for each mount; routing sends a request to the root mount only on the API's own listeners
/// (<see cref="CompatListenerPolicy"/>), so no middleware looks at every request.
/// </summary>
/// <param name="Name">The API's name, e.g. <c>journal</c>: the tag of its listeners.</param>
/// <param name="Title">How messages name it, e.g. <c>Pulzar</c>.</param>
/// <param name="Prefix">Where it is mounted on every listener, e.g. <c>/compat/journal</c>.</param>
/// <param name="ListenSetting">The setting of its own listeners, e.g. <c>Journal:Listen</c>.</param>
/// <param name="Listeners">Its own listeners, as configured (possibly none).</param>
/// <param name="Map">Maps the API's routes on a mount.</param>
internal sealed record CompatApi(
    string Name,
    string Title,
    string Prefix,
    string ListenSetting,
    IReadOnlyList<ListenerAddress> Listeners,
    Action<CompatMount> Map)
{
    /// <summary>
    /// Which web pages of other origins may call the API and read its answers (CORS), on both its mounts; null (the
    /// usual case) when pages of other origins are refused as everywhere else (<see cref="Http.BrowserGuard"/>). Only a
    /// seed whose own contract had web pages of any origin call it belongs here.
    /// </summary>
    public CompatCors? Cors { get; init; }
}
