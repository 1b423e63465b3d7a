using Cairn.Core;
using Grpc.Core;
using Etcd = Cairn.EtcdApi.Etcdserverpb;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's range read on Cairn's: the keyspace reads in key order with a limit, and what etcd adds to that (sorting by
/// another field or in descending order, the min/max mod and create revision filters) is done here, on the whole range
/// read without a limit, with the limit applied after, as etcd does. <c>count</c> is the range's count before filters,
/// as in etcd.
/// </summary>
internal static class EtcdRange
{
    /// <summary>Cairn's read for etcd's <paramref name="request"/>.</summary>
    public static RangeRequest ToCairn(Etcd.RangeRequest request)
    {
        Check(request);
        return new RangeRequest(EtcdConvert.Range(request.Key, request.RangeEnd))
        {
            Revision = request.Revision,
            Limit = NeedsWholeRange(request) ? 0 : request.Limit,

            // Sorted by value, keys only: the values are read for the sort and left out after.
            KeysOnly = request.KeysOnly && !(NeedsWholeRange(request) && request.SortTarget == Etcd.RangeRequest.Types.SortTarget.Value),
            CountOnly = request.CountOnly,
        };
    }

    /// <summary>etcd's answer to <paramref name="request"/> from what Cairn read for it.</summary>
    public static Etcd.RangeResponse ToEtcd(Etcd.RangeRequest request, RangeResult result, Etcd.ResponseHeader header)
    {
        var response = new Etcd.RangeResponse { Header = header, Count = result.Count, More = result.More };
        if (request.CountOnly)
        {
            return response;
        }

        IEnumerable<KeyValue> kvs = result.Kvs;
        if (NeedsWholeRange(request))
        {
            kvs = Sort(Filter(kvs, request), request);
            var list = kvs.ToList();
            if (request.Limit > 0 && list.Count > request.Limit)
            {
                list = list.GetRange(0, (int)request.Limit);
                response.More = true;
            }
            else
            {
                response.More = false;
            }

            kvs = list;
        }

        response.Kvs.AddRange(kvs.Select(kv => EtcdConvert.ToEtcd(request.KeysOnly ? kv with { Value = default } : kv)));
        return response;
    }

    private static void Check(Etcd.RangeRequest request)
    {
        if (!Enum.IsDefined(request.SortOrder) || !Enum.IsDefined(request.SortTarget))
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, "etcdserver: invalid sort option");
        }

        if (request.Limit < 0 || request.Revision < 0)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, "The limit and revision of a range must not be negative.");
        }
    }

    // Whether etcd's request needs more than Cairn's ordered, limited read.
    private static bool NeedsWholeRange(Etcd.RangeRequest request) =>
        !request.CountOnly && (Order(request) == Etcd.RangeRequest.Types.SortOrder.Descend
            || (Order(request) == Etcd.RangeRequest.Types.SortOrder.Ascend && request.SortTarget != Etcd.RangeRequest.Types.SortTarget.Key)
            || request.MinModRevision > 0 || request.MaxModRevision > 0 || request.MinCreateRevision > 0 || request.MaxCreateRevision > 0);

    // etcd sorts ascending by a target other than the key when no order is given.
    private static Etcd.RangeRequest.Types.SortOrder Order(Etcd.RangeRequest request) =>
        request.SortOrder == Etcd.RangeRequest.Types.SortOrder.None && request.SortTarget != Etcd.RangeRequest.Types.SortTarget.Key
            ? Etcd.RangeRequest.Types.SortOrder.Ascend
            : request.SortOrder;

    private static IEnumerable<KeyValue> Filter(IEnumerable<KeyValue> kvs, Etcd.RangeRequest request) => kvs.Where(kv =>
        (request.MinModRevision <= 0 || kv.ModRevision >= request.MinModRevision)
        && (request.MaxModRevision <= 0 || kv.ModRevision <= request.MaxModRevision)
        && (request.MinCreateRevision <= 0 || kv.CreateRevision >= request.MinCreateRevision)
        && (request.MaxCreateRevision <= 0 || kv.CreateRevision <= request.MaxCreateRevision));

    private static IEnumerable<KeyValue> Sort(IEnumerable<KeyValue> kvs, Etcd.RangeRequest request)
    {
        var order = Order(request);
        if (order == Etcd.RangeRequest.Types.SortOrder.None)
        {
            return kvs;
        }

        // Stable sorts on a key-ordered input: equal values stay in key order, as in etcd.
        Comparison<KeyValue> compare = request.SortTarget switch
        {
            Etcd.RangeRequest.Types.SortTarget.Version => (a, b) => a.Version.CompareTo(b.Version),
            Etcd.RangeRequest.Types.SortTarget.Create => (a, b) => a.CreateRevision.CompareTo(b.CreateRevision),
            Etcd.RangeRequest.Types.SortTarget.Mod => (a, b) => a.ModRevision.CompareTo(b.ModRevision),
            Etcd.RangeRequest.Types.SortTarget.Value => (a, b) => a.Value.Span.SequenceCompareTo(b.Value.Span),
            _ => (_, _) => 0, // the input is in key order already
        };
        var sorted = kvs.Select((kv, i) => (kv, i)).ToList();
        sorted.Sort((x, y) => compare(x.kv, y.kv) is var c && c != 0 ? c : x.i.CompareTo(y.i));
        var result = sorted.Select(x => x.kv);
        return order == Etcd.RangeRequest.Types.SortOrder.Descend ? result.Reverse() : result;
    }
}
