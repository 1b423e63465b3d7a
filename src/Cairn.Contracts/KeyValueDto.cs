using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>A key-value on the wire. <see cref="Value"/> is base64 (JSON's byte[] form).</summary>
public sealed class KeyValueDto
{
    public string Key { get; set; } = "";

    public byte[]? Value { get; set; }

    public long CreateRevision { get; set; }

    public long ModRevision { get; set; }

    public long Version { get; set; }

    public long Lease { get; set; }

    public static KeyValueDto From(KeyValue kv) => new()
    {
        Key = kv.Key,
        Value = kv.Value.ToArray(),
        CreateRevision = kv.CreateRevision,
        ModRevision = kv.ModRevision,
        Version = kv.Version,
        Lease = kv.Lease,
    };

    public KeyValue ToModel() => new(Key, Value ?? [], CreateRevision, ModRevision, Version, Lease);
}
