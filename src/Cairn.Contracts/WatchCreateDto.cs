using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>What a watch covers and where it starts (SSE query or WebSocket <c>create</c>).</summary>
public sealed class WatchCreateDto
{
    /// <summary>Chosen by the client to tell its watches apart on one WebSocket; the server picks one when absent.</summary>
    public long? WatchId { get; set; }

    public string? Key { get; set; }

    public bool Prefix { get; set; }

    public string? End { get; set; }

    public bool FromKey { get; set; }

    /// <summary>First revision to deliver; 0 or absent: changes after now.</summary>
    public long FromRevision { get; set; }

    public bool PrevKv { get; set; }

    /// <summary>Seconds between progress notifications when idle; absent: 10; 0: none.</summary>
    public double? ProgressSeconds { get; set; }

    public WatchRequest ToModel()
    {
        if (ProgressSeconds is < 0 or > 3600)
        {
            throw new InvalidArgumentException($"progressSeconds must be between 0 and 3600; got {ProgressSeconds}.");
        }

        if (FromRevision < 0)
        {
            throw new InvalidArgumentException($"fromRevision must not be negative; got {FromRevision}.");
        }

        return new WatchRequest(WireRanges.ToRange(Key, Prefix, End, FromKey))
        {
            StartRevision = FromRevision,
            PrevKv = PrevKv,
            ProgressInterval = ProgressSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }

    public static WatchCreateDto From(WatchRequest request, long? watchId = null)
    {
        var (key, prefix, end, fromKey) = WireRanges.FromRange(request.Range);
        return new WatchCreateDto
        {
            WatchId = watchId,
            Key = key,
            Prefix = prefix,
            End = end,
            FromKey = fromKey,
            FromRevision = request.StartRevision,
            PrevKv = request.PrevKv,
            ProgressSeconds = request.ProgressInterval?.TotalSeconds,
        };
    }
}
