using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Volumes;

/// <summary>The <c>Pulzar</c> section: listeners that serve the seed-compatible Pulzar API at their root.</summary>
public sealed class PulzarServerOptions
{
    /// <summary>Listeners (<c>http://IP:PORT</c>, <c>unix:PATH</c>, a socket 0700 unless <c>?mode=…</c> says
    /// otherwise); a comma-separated string is accepted too.</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose web pages may call the Pulzar API (on its listeners and under
    /// <c>/compat/pulzar</c>) and read its answers (CORS). Default (unset): <c>*</c>, every origin, as the seed answered
    /// (<c>Access-Control-Allow-Origin: *</c>); <c>none</c>: no page of another origin, as on <c>/v1</c>. A
    /// comma-separated string is accepted too (<c>CAIRN_PULZAR__ALLOWEDORIGINS</c>).
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
