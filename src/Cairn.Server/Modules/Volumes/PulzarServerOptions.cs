using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Volumes;

/// <summary>The <c>Pulzar</c> section: listeners that serve the seed-compatible Pulzar API at their root.</summary>
public sealed class PulzarServerOptions
{
    /// <summary>Listeners (<c>http://IP:PORT</c>, <c>unix:PATH</c>, a socket 0700 unless <c>?mode=…</c> says
    /// otherwise); a comma-separated string is accepted too.</summary>
    public List<string> Listen { get; set; } = [];
}
