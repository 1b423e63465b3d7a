using Cairn.Core;
using Google.Protobuf;
using Grpc.Core;
using Mvcc = Cairn.EtcdApi.Mvccpb;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's keys and key-values to Cairn's and back. etcd's keys are bytes; Cairn's are UTF-8 text, so a key that is not
/// valid UTF-8 (or holds a NUL) is refused as an invalid argument.
/// </summary>
internal static class EtcdConvert
{
    /// <summary>The keys etcd's <c>key</c> and <c>range_end</c> name: one key when <c>range_end</c> is empty, every key
    /// from <c>key</c> on when it is <c>"\0"</c> (everything when <c>key</c> is <c>"\0"</c> too), else the interval
    /// <c>[key, range_end)</c> (a prefix when <c>range_end</c> is the prefix's end).</summary>
    /// <exception cref="RpcException"><c>key</c> is empty (etcd's "key is not provided").</exception>
    public static KeyRange Range(ByteString key, ByteString rangeEnd)
    {
        if (key.IsEmpty)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.EmptyKey);
        }

        if (rangeEnd.IsEmpty)
        {
            return KeyRange.Single(Keys.Decode(key.Span));
        }

        var isZero = rangeEnd.Length == 1 && rangeEnd[0] == 0;
        if (isZero)
        {
            return key.Length == 1 && key[0] == 0 ? KeyRange.All : KeyRange.FromKey(Keys.Decode(key.Span));
        }

        var from = Keys.Decode(key.Span);
        var to = Keys.Decode(rangeEnd.Span);
        return Keys.PrefixEnd(from) == to ? KeyRange.Prefix(from) : KeyRange.Between(from, to);
    }

    /// <summary>A single key, as etcd's <c>key</c> field gives it.</summary>
    public static string Key(ByteString key)
    {
        if (key.IsEmpty)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.EmptyKey);
        }

        var text = Keys.Decode(key.Span);
        Keys.Validate(text);
        return text;
    }

    /// <summary>Cairn's key-value as etcd's.</summary>
    public static Mvcc.KeyValue ToEtcd(KeyValue kv) => new()
    {
        Key = ByteString.CopyFromUtf8(kv.Key),
        Value = kv.Value.IsEmpty ? ByteString.Empty : ByteString.CopyFrom(kv.Value.Span),
        CreateRevision = kv.CreateRevision,
        ModRevision = kv.ModRevision,
        Version = kv.Version,
        Lease = kv.Lease,
    };
}
