using System.Buffers;
using Cairn.Core;

namespace Cairn.Storage.Replicated;

/// <summary>
/// One entry of the replicated log: the effects of a batch of writes, and the id of the node that wrote it (a random
/// node id and that node's counter), so that no two appends carry the same bytes.
/// </summary>
/// <remarks>
/// <para>Format version 1, little-endian, varints unsigned LEB128:</para>
/// <code>
/// byte 1 | int64 writer | varint sequence | varint effects | effect*
/// effect: byte tag, then
///   1 write:        varint revision | varint changes | (byte 0 put | bytes key | bytes value | varint create | varint version | varint lease)
///                                                     or (byte 1 delete | bytes key)
///   2 lease grant:  varint id | varint ttl | int64 deadline (UTC ticks)
///   3 lease renew:  varint id | int64 deadline
///   4 lease end:    varint id
///   5 compaction:   varint revision
/// </code>
/// <para>A node that meets a version it does not know stops with <see cref="CorruptException"/> rather than guess:
/// upgrade every node before any of them writes a newer format.</para>
/// </remarks>
/// <param name="Writer">The random id of the node that wrote the entry.</param>
/// <param name="Sequence">That node's counter.</param>
/// <param name="Effects">What the entry does, in order.</param>
internal sealed record LogEntry(long Writer, long Sequence, IReadOnlyList<Effect> Effects)
{
    public const byte FormatVersion = 1;

    private const byte WriteTag = 1;
    private const byte GrantTag = 2;
    private const byte RenewTag = 3;
    private const byte EndTag = 4;
    private const byte CompactTag = 5;
    private const byte PutChange = 0;
    private const byte DeleteChange = 1;

    public byte[] Encode()
    {
        var writer = new ArrayBufferWriter<byte>(256);
        writer.WriteByte(FormatVersion);
        writer.WriteInt64(Writer);
        writer.WriteVarint(Sequence);
        writer.WriteVarint(Effects.Count);
        foreach (var effect in Effects)
        {
            switch (effect)
            {
                case Effect.Write write:
                    writer.WriteByte(WriteTag);
                    writer.WriteVarint(write.Revision);
                    writer.WriteVarint(write.Changes.Length);
                    foreach (var change in write.Changes)
                    {
                        if (change.IsDelete)
                        {
                            writer.WriteByte(DeleteChange);
                            writer.WriteBytes(change.Key);
                        }
                        else
                        {
                            writer.WriteByte(PutChange);
                            writer.WriteBytes(change.Key);
                            writer.WriteBytes(change.Kv.Value.Span);
                            writer.WriteVarint(change.Kv.CreateRevision);
                            writer.WriteVarint(change.Kv.Version);
                            writer.WriteVarint(change.Kv.Lease);
                        }
                    }

                    break;
                case Effect.LeaseGranted grant:
                    writer.WriteByte(GrantTag);
                    writer.WriteVarint(grant.Id);
                    writer.WriteVarint(grant.TtlSeconds);
                    writer.WriteInt64(grant.DeadlineTicks);
                    break;
                case Effect.LeaseRenewed renew:
                    writer.WriteByte(RenewTag);
                    writer.WriteVarint(renew.Id);
                    writer.WriteInt64(renew.DeadlineTicks);
                    break;
                case Effect.LeaseEnded end:
                    writer.WriteByte(EndTag);
                    writer.WriteVarint(end.Id);
                    break;
                case Effect.Compacted compact:
                    writer.WriteByte(CompactTag);
                    writer.WriteVarint(compact.Revision);
                    break;
                default:
                    throw new InvalidOperationException($"No encoding for the effect {effect.GetType().Name}.");
            }
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <exception cref="CorruptException">The bytes are not an entry of a known format version.</exception>
    public static LogEntry Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes, "log entry");
        var version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw new CorruptException($"The log holds an entry of format version {version}; this node reads version {FormatVersion} only. Upgrade it to the version of the node that wrote the entry.");
        }

        var writer = reader.ReadInt64();
        var sequence = reader.ReadVarint();
        var count = reader.ReadCount();
        var effects = new List<Effect>(Math.Min(count, 1024));
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadByte();
            effects.Add(tag switch
            {
                WriteTag => ReadWrite(ref reader),
                GrantTag => new Effect.LeaseGranted(reader.ReadVarint(), reader.ReadVarint(), reader.ReadInt64()),
                RenewTag => new Effect.LeaseRenewed(reader.ReadVarint(), reader.ReadInt64()),
                EndTag => new Effect.LeaseEnded(reader.ReadVarint()),
                CompactTag => new Effect.Compacted(reader.ReadVarint()),
                _ => throw reader.Malformed($"an unknown effect {tag}"),
            });
        }

        if (!reader.AtEnd)
        {
            throw reader.Malformed("bytes after the last effect");
        }

        return new LogEntry(writer, sequence, effects);
    }

    private static Effect.Write ReadWrite(ref WireReader reader)
    {
        var revision = reader.ReadVarint();
        var count = reader.ReadCount();
        var changes = new KeyChange[Math.Min(count, 65_536)];
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            var kind = reader.ReadByte();
            var key = reader.ReadBytes().ToArray();
            var text = DecodeKey(key, ref reader);
            var kv = kind switch
            {
                DeleteChange => new KeyValue(text, ReadOnlyMemory<byte>.Empty, 0, revision, 0, 0),
                PutChange => ReadPut(ref reader, text, revision),
                _ => throw reader.Malformed($"an unknown change {kind}"),
            };
            if (n == changes.Length)
            {
                Array.Resize(ref changes, n * 2);
            }

            changes[n++] = new KeyChange(key, kv);
        }

        if (n != changes.Length)
        {
            Array.Resize(ref changes, n);
        }

        return new Effect.Write(revision, changes);
    }

    private static KeyValue ReadPut(ref WireReader reader, string key, long revision)
    {
        var value = reader.ReadBytes().ToArray();
        var create = reader.ReadVarint();
        var version = reader.ReadVarint();
        var lease = reader.ReadVarint();
        if (version == 0)
        {
            throw reader.Malformed($"a put of '{key}' with version 0");
        }

        return new KeyValue(key, value, create, revision, version, lease);
    }

    internal static string DecodeKey(byte[] key, ref WireReader reader)
    {
        try
        {
            return Keys.Decode(key);
        }
        catch (InvalidArgumentException)
        {
            throw reader.Malformed("a key that is not UTF-8");
        }
    }
}
