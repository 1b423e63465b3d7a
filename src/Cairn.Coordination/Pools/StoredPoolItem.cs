using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Coordination.Pools;

/// <summary>
/// The value of an item key: <see cref="PoolItemDto"/>'s fields, plus the join revision of the member that holds it. A
/// gone member's key is gone with its create revision, and its items are how its survivors find its place in the circle
/// (whose turn it is to take them over).
/// </summary>
internal sealed class StoredPoolItem
{
    public string Pool { get; set; } = "";

    public string Member { get; set; } = "";

    public string Item { get; set; } = "";

    public string Value { get; set; } = "";

    public string? From { get; set; }

    /// <summary>The create revision of the holder's member key when the item was written to it.</summary>
    public long MemberJoinRevision { get; set; }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, WireJson.Options);

    public PoolItemDto ToDto(long modRevision) => new()
    {
        Pool = Pool,
        Member = Member,
        Item = Item,
        Value = Value,
        From = From,
        ModRevision = modRevision,
    };

    /// <summary>Reads an item key; a value someone wrote there by hand is taken as the item's text.</summary>
    public static StoredPoolItem Parse(PoolKeys keys, KeyValue kv)
    {
        var (member, item) = keys.ItemOf(kv.Key) ?? ("", "");
        StoredPoolItem? stored = null;
        try
        {
            stored = JsonSerializer.Deserialize<StoredPoolItem>(kv.Value.Span, WireJson.Options);
        }
        catch (JsonException)
        {
        }

        stored ??= new StoredPoolItem { Value = Encoding.UTF8.GetString(kv.Value.Span) };
        stored.Pool = keys.Pool;
        stored.Member = member;
        stored.Item = item;
        return stored;
    }
}
