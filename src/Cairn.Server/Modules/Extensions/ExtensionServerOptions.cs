using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Extensions;

/// <summary>The <c>Extensions</c> section.</summary>
public sealed class ExtensionServerOptions
{
    /// <summary>Where extensions are looked up (relative to the working directory). Default <c>./extensions</c>.</summary>
    public string Directory { get; set; } = "./extensions";

    /// <summary>How long a run may take (a duration; default 30s).</summary>
    public string? Timeout { get; set; }

    /// <summary>The old name of <see cref="Timeout"/>: a number of seconds.</summary>
    public string? TimeoutSeconds { get; set; }

    /// <summary>Most bytes an executable extension may print.</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>Most extension runs at once (default: the number of processors, at least 2).</summary>
    public int? MaxConcurrent { get; set; }

    /// <summary>Most calls waiting for a turn; the next one is refused with 503 (default 100).</summary>
    public int MaxQueued { get; set; } = 100;

    /// <summary>Longest wait for a turn before a call is refused with 503 (a duration; default 30s).</summary>
    public string? QueueTimeout { get; set; }
}
