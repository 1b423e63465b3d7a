using Cairn.Core;

namespace Cairn.Contracts;

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
