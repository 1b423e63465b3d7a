using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>One event on the wire: <c>type</c> is <c>put</c> or <c>delete</c>.</summary>
public sealed class WatchEventDto
{
    public string Type { get; set; } = "";

    public KeyValueDto Kv { get; set; } = new();

    public KeyValueDto? PrevKv { get; set; }

    public static WatchEventDto From(WatchEvent change) => new()
    {
        Type = change.Type == WatchEventType.Put ? "put" : "delete",
        Kv = KeyValueDto.From(change.Kv),
        PrevKv = change.PrevKv is null ? null : KeyValueDto.From(change.PrevKv),
    };

    public WatchEvent ToModel() => new(
        Type switch
        {
            "put" => WatchEventType.Put,
            "delete" => WatchEventType.Delete,
            _ => throw new InvalidArgumentException($"Unknown watch event type '{Type}'."),
        },
        Kv.ToModel(),
        PrevKv?.ToModel());
}

/// <summary>One delivery of a watch: the events of one revision, or (no events, <c>progress</c>) how far it has come.</summary>
public sealed class WatchResponseDto
{
    /// <summary>Which watch, on a WebSocket that carries several.</summary>
    public long? WatchId { get; set; }

    public long Revision { get; set; }

    public bool? Progress { get; set; }

    public List<WatchEventDto> Events { get; set; } = [];

    public static WatchResponseDto From(WatchResponse response, long? watchId = null) => new()
    {
        WatchId = watchId,
        Revision = response.Revision,
        Progress = response.IsProgressNotify ? true : null,
        Events = response.Events.Select(WatchEventDto.From).ToList(),
    };

    public WatchResponse ToModel() => new(Revision, Events.Select(e => e.ToModel()).ToList());
}

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
