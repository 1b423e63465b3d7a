namespace Cairn.Server.Modules.Coordination;

/// <summary>
/// Settings of the coordination module (<c>Coordination:*</c>, <c>CAIRN_COORDINATION__*</c>): runs, pools, locks,
/// elections, barriers and queues. The runs compat API's own listeners are <c>Runs:Listen</c>.
/// </summary>
public sealed class CoordinationServerOptions
{
    /// <summary>Serve <c>/v1/runs</c>, <c>/v1/pools</c>, <c>/v1/locks</c>, <c>/v1/elections</c>, <c>/v1/barriers</c>,
    /// <c>/v1/queues</c> and the zookeeper-exp1 API at <c>/compat/runs</c> (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Largest run parameter value, in UTF-8 bytes (default 64 KiB, or <c>Limits:MaxValueBytes</c> when that is
    /// smaller; at most <c>Limits:MaxValueBytes</c>); a larger one is refused with 413.</summary>
    public int MaxParameterBytes { get; set; } = 64 * 1024;
}
