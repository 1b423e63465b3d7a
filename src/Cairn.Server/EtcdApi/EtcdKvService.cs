using Cairn.Core;
using Cairn.EtcdApi.Etcdserverpb;
using Grpc.Core;
using Compare = Cairn.EtcdApi.Etcdserverpb.Compare;
using Core = Cairn.Core;
using PutRequest = Cairn.EtcdApi.Etcdserverpb.PutRequest;
using RangeRequest = Cairn.EtcdApi.Etcdserverpb.RangeRequest;
using TxnRequest = Cairn.EtcdApi.Etcdserverpb.TxnRequest;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's KV service on the keyspace: Range, Put, DeleteRange, Txn and Compact, each one call of <see cref="IKeyspace"/>
/// (a put that keeps the key's value or lease reads the key and writes it in a txn conditional on its mod revision).
/// </summary>
internal sealed class EtcdKvService(IKeyspace store, EtcdIdentity identity) : KV.KVBase
{
    // A put with ignore_value/ignore_lease retries when another write to the key comes between its read and its write.
    private const int IgnoreRetries = 64;

    public override async Task<RangeResponse> Range(RangeRequest request, ServerCallContext context)
    {
        var read = EtcdRange.ToCairn(request);
        EtcdAccess.DemandOp(context, read);
        var result = await store.RangeAsync(read, context.CancellationToken).ConfigureAwait(false);
        return EtcdRange.ToEtcd(request, result, identity.Header(result.Revision));
    }

    public override async Task<PutResponse> Put(PutRequest request, ServerCallContext context)
    {
        var put = ToCairn(request);
        EtcdAccess.DemandOp(context, put);
        if (!request.IgnoreValue && !request.IgnoreLease)
        {
            var result = await store.PutAsync(put, context.CancellationToken).ConfigureAwait(false);
            return PutResponse(result);
        }

        for (var attempt = 0; ; attempt++)
        {
            var current = await store.RangeAsync(new Core.RangeRequest(KeyRange.Single(put.Key)), context.CancellationToken).ConfigureAwait(false);
            if (current.Kvs.Count == 0)
            {
                throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.KeyNotFound);
            }

            var kv = current.Kvs[0];
            var write = put with
            {
                Value = request.IgnoreValue ? kv.Value : put.Value,
                Lease = request.IgnoreLease ? kv.Lease : put.Lease,
            };
            var txn = new Core.TxnRequest([Core.Compare.ModRevision(put.Key, CompareResult.Equal, kv.ModRevision)], [write], []);
            var result = await store.TxnAsync(txn, context.CancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return PutResponse((PutResult)result.Results[0]);
            }

            if (attempt == IgnoreRetries)
            {
                throw new UnavailableException($"Key '{put.Key}' kept changing while a put meant to keep its value or lease ran; try again.");
            }
        }
    }

    public override async Task<DeleteRangeResponse> DeleteRange(DeleteRangeRequest request, ServerCallContext context)
    {
        var delete = ToCairn(request);
        EtcdAccess.DemandOp(context, delete);
        var result = await store.DeleteAsync(delete, context.CancellationToken).ConfigureAwait(false);
        return DeleteResponse(result, identity.Header(result.Revision));
    }

    public override async Task<TxnResponse> Txn(TxnRequest request, ServerCallContext context)
    {
        var txn = new Core.TxnRequest(
            [.. request.Compare.Select(ToCairn)],
            [.. request.Success.Select(ToCairn)],
            [.. request.Failure.Select(ToCairn)]);
        try
        {
            TxnValidation.Validate(txn);
        }
        catch (InvalidArgumentException)
        {
            // The keys are checked already: what is left is a key written twice in a branch.
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.DuplicateKey);
        }

        EtcdAccess.DemandTxn(context, txn);
        var result = await store.TxnAsync(txn, context.CancellationToken).ConfigureAwait(false);
        var ops = result.Succeeded ? request.Success : request.Failure;
        var response = new TxnResponse { Header = identity.Header(result.Revision), Succeeded = result.Succeeded };
        for (var i = 0; i < result.Results.Count; i++)
        {
            // As etcd, the answers inside a txn carry a header with the revision only.
            var header = new ResponseHeader { Revision = result.Results[i].Revision };
            response.Responses.Add(result.Results[i] switch
            {
                RangeResult range => new ResponseOp { ResponseRange = EtcdRange.ToEtcd(ops[i].RequestRange, range, header) },
                PutResult put => new ResponseOp { ResponsePut = new PutResponse { Header = header, PrevKv = put.PrevKv is { } prev ? EtcdConvert.ToEtcd(prev) : null } },
                DeleteResult delete => new ResponseOp { ResponseDeleteRange = DeleteResponse(delete, header) },
                var other => throw new InternalErrorException($"A txn answered {other.GetType().Name}, which the etcd API does not know."),
            });
        }

        return response;
    }

    public override async Task<CompactionResponse> Compact(CompactionRequest request, ServerCallContext context)
    {
        EtcdAccess.DemandCompact(context);
        var result = await store.CompactAsync(request.Revision, context.CancellationToken).ConfigureAwait(false);
        return new CompactionResponse { Header = identity.Header(result.Revision) };
    }

    private PutResponse PutResponse(PutResult result) => new()
    {
        Header = identity.Header(result.Revision),
        PrevKv = result.PrevKv is { } prev ? EtcdConvert.ToEtcd(prev) : null,
    };

    private static DeleteRangeResponse DeleteResponse(DeleteResult result, ResponseHeader header)
    {
        var response = new DeleteRangeResponse { Header = header, Deleted = result.Deleted };
        response.PrevKvs.AddRange(result.PrevKvs.Select(EtcdConvert.ToEtcd));
        return response;
    }

    private static Core.PutRequest ToCairn(PutRequest request)
    {
        if (request.IgnoreValue && !request.Value.IsEmpty)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.ValueProvided);
        }

        if (request.IgnoreLease && request.Lease != 0)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, EtcdErrors.LeaseProvided);
        }

        return new Core.PutRequest(EtcdConvert.Key(request.Key), request.Value.Memory) { PrevKv = request.PrevKv, Lease = request.Lease };
    }

    private static Core.DeleteRequest ToCairn(DeleteRangeRequest request) =>
        new(EtcdConvert.Range(request.Key, request.RangeEnd)) { PrevKvs = request.PrevKv };

    private static KvRequest ToCairn(RequestOp op) => op.RequestCase switch
    {
        RequestOp.RequestOneofCase.RequestRange => EtcdRange.ToCairn(op.RequestRange),
        RequestOp.RequestOneofCase.RequestPut when op.RequestPut.IgnoreValue || op.RequestPut.IgnoreLease =>
            throw EtcdErrors.Status(StatusCode.InvalidArgument, "Cairn does not take ignore_value or ignore_lease in a put inside a txn; compare the key's mod revision and put its value instead."),
        RequestOp.RequestOneofCase.RequestPut => ToCairn(op.RequestPut),
        RequestOp.RequestOneofCase.RequestDeleteRange => ToCairn(op.RequestDeleteRange),
        RequestOp.RequestOneofCase.RequestTxn => throw EtcdErrors.Status(StatusCode.InvalidArgument, "Cairn does not run a txn inside a txn; flatten the nested txn into the outer one."),
        _ => throw EtcdErrors.Status(StatusCode.InvalidArgument, "A txn operation names no request (range, put or delete_range)."),
    };

    private static Core.Compare ToCairn(Compare compare)
    {
        var key = EtcdConvert.Key(compare.Key);
        if (!compare.RangeEnd.IsEmpty)
        {
            throw EtcdErrors.Status(StatusCode.InvalidArgument, "Cairn compares one key at a time; a compare over a range (range_end) is not supported.");
        }

        var result = compare.Result switch
        {
            Compare.Types.CompareResult.Equal => CompareResult.Equal,
            Compare.Types.CompareResult.NotEqual => CompareResult.NotEqual,
            Compare.Types.CompareResult.Greater => CompareResult.Greater,
            Compare.Types.CompareResult.Less => CompareResult.Less,
            _ => throw EtcdErrors.Status(StatusCode.InvalidArgument, $"Unknown compare result {(int)compare.Result}."),
        };
        return compare.Target switch
        {
            Compare.Types.CompareTarget.Version => Core.Compare.Version(key, result, compare.Version),
            Compare.Types.CompareTarget.Create => Core.Compare.CreateRevision(key, result, compare.CreateRevision),
            Compare.Types.CompareTarget.Mod => Core.Compare.ModRevision(key, result, compare.ModRevision),
            Compare.Types.CompareTarget.Lease => Core.Compare.Lease(key, result, compare.Lease),
            Compare.Types.CompareTarget.Value => Core.Compare.ValueOf(key, result, compare.Value.Memory),
            _ => throw EtcdErrors.Status(StatusCode.InvalidArgument, $"Unknown compare target {(int)compare.Target}."),
        };
    }
}
