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
