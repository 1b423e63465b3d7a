using Cairn.Core;
using Etcdserverpb;
using Google.Protobuf;
using V3 = Etcdserverpb;

namespace Cairn.Storage.Etcd;

public sealed partial class EtcdKeyspace
{
    /// <inheritdoc />
    public ValueTask<RangeResult> RangeAsync(Core.RangeRequest request, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            var range = ToEtcd(request);
            var response = await CallAsync(o => _kv.RangeAsync(range, o), new RequestFacts(Revision: request.Revision), cancellationToken).ConfigureAwait(false);
            return FromEtcd(response, response.Header.Revision);
        });

    /// <inheritdoc />
    public ValueTask<PutResult> PutAsync(Core.PutRequest request, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            var put = ToEtcd(request);
            var facts = new RequestFacts(Lease: request.Lease, Size: put.CalculateSize());
            var response = await CallAsync(o => _kv.PutAsync(put, o), facts, cancellationToken).ConfigureAwait(false);
            return new PutResult(response.Header.Revision, request.PrevKv ? FromEtcd(response.PrevKv) : null);
        });

    /// <inheritdoc />
    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            ArgumentNullException.ThrowIfNull(request);
            var delete = ToEtcd(request);
            var response = await CallAsync(o => _kv.DeleteRangeAsync(delete, o), default, cancellationToken).ConfigureAwait(false);
            return FromEtcd(response, response.Header.Revision);
        });

    /// <inheritdoc />
    public ValueTask<TxnResult> TxnAsync(Core.TxnRequest request, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            TxnValidation.Validate(request);
            var txn = new V3.TxnRequest();
            txn.Compare.AddRange(request.Compares.Select(ToEtcd));
            txn.Success.AddRange(request.Success.Select(ToEtcdOp));
            txn.Failure.AddRange(request.Failure.Select(ToEtcdOp));
            var ops = request.Success.Concat(request.Failure).ToList();
            var facts = new RequestFacts(
                Revision: ops.OfType<Core.RangeRequest>().Select(r => r.Revision).DefaultIfEmpty().Max(),
                Lease: ops.OfType<Core.PutRequest>().Select(p => p.Lease).FirstOrDefault(l => l != 0),
                Ops: Math.Max(Math.Max(request.Success.Count, request.Failure.Count), request.Compares.Count),
                Size: txn.CalculateSize());
            var response = await CallAsync(o => _kv.TxnAsync(txn, o), facts, cancellationToken).ConfigureAwait(false);

            // Every result of a txn reports the txn's revision, as etcd's response header does (and the contract).
            var revision = response.Header.Revision;
            var branch = response.Succeeded ? request.Success : request.Failure;
            var results = new List<KvResult>(response.Responses.Count);
            for (var i = 0; i < response.Responses.Count; i++)
            {
                var op = response.Responses[i];
                results.Add(op.ResponseCase switch
                {
                    ResponseOp.ResponseOneofCase.ResponseRange => FromEtcd(op.ResponseRange, revision),
                    ResponseOp.ResponseOneofCase.ResponsePut => new PutResult(revision, ((Core.PutRequest)branch[i]).PrevKv ? FromEtcd(op.ResponsePut.PrevKv) : null),
                    ResponseOp.ResponseOneofCase.ResponseDeleteRange => FromEtcd(op.ResponseDeleteRange, revision),
                    _ => throw new UnavailableException($"etcd answered a txn op with an unexpected {op.ResponseCase}."),
                });
            }

            return new TxnResult(revision, response.Succeeded, results);
        });

    private V3.RangeRequest ToEtcd(Core.RangeRequest request)
    {
        if (request.Revision < 0)
        {
            throw new InvalidArgumentException($"Revision {request.Revision} is negative; use 0 for the latest.");
        }

        if (request.Limit < 0)
        {
            throw new InvalidArgumentException($"A range limit must not be negative; got {request.Limit}.");
        }

        var (key, end) = _prefix.Bounds(request.Range);
        var range = new V3.RangeRequest
        {
            Key = key,
            Revision = request.Revision,
            Limit = request.Range.IsSingleKey ? 0 : request.Limit,
            KeysOnly = request.KeysOnly,
            CountOnly = request.CountOnly,
        };
        if (end is not null)
        {
            range.RangeEnd = end;
        }

        return range;
    }

    private V3.PutRequest ToEtcd(Core.PutRequest request)
    {
        Keys.Validate(request.Key);
        Leases.ValidateId(request.Lease);
        return new V3.PutRequest
        {
            Key = _prefix.Key(request.Key),
            Value = ByteString.CopyFrom(request.Value.Span),
            Lease = request.Lease,
            PrevKv = request.PrevKv,
        };
    }

    private DeleteRangeRequest ToEtcd(DeleteRequest request)
    {
        var (key, end) = _prefix.Bounds(request.Range);
        var delete = new DeleteRangeRequest { Key = key, PrevKv = request.PrevKvs };
        if (end is not null)
        {
            delete.RangeEnd = end;
        }

        return delete;
    }

    private V3.Compare ToEtcd(Core.Compare compare)
    {
        var result = new V3.Compare
        {
            Key = _prefix.Key(compare.Key),
            Result = compare.Result switch
            {
                CompareResult.Equal => V3.Compare.Types.CompareResult.Equal,
                CompareResult.NotEqual => V3.Compare.Types.CompareResult.NotEqual,
                CompareResult.Greater => V3.Compare.Types.CompareResult.Greater,
                _ => V3.Compare.Types.CompareResult.Less,
            },
        };
        switch (compare.Target)
        {
            case CompareTarget.Value:
                result.Target = V3.Compare.Types.CompareTarget.Value;
                result.Value = ByteString.CopyFrom(compare.Value.Span);
                break;
            case CompareTarget.Version:
                result.Target = V3.Compare.Types.CompareTarget.Version;
                result.Version = compare.Number;
                break;
            case CompareTarget.CreateRevision:
                result.Target = V3.Compare.Types.CompareTarget.Create;
                result.CreateRevision = compare.Number;
                break;
            case CompareTarget.ModRevision:
                result.Target = V3.Compare.Types.CompareTarget.Mod;
                result.ModRevision = compare.Number;
                break;
            default:
                result.Target = V3.Compare.Types.CompareTarget.Lease;
                result.Lease = compare.Number;
                break;
        }

        return result;
    }

    private RequestOp ToEtcdOp(KvRequest op) => op switch
    {
        Core.RangeRequest range => new RequestOp { RequestRange = ToEtcd(range) },
        Core.PutRequest put => new RequestOp { RequestPut = ToEtcd(put) },
        DeleteRequest delete => new RequestOp { RequestDeleteRange = ToEtcd(delete) },
        _ => throw new InvalidArgumentException($"Unsupported txn op {op?.GetType().Name}."),
    };

    private RangeResult FromEtcd(RangeResponse response, long revision) =>
        new(revision, response.Kvs.Select(kv => FromEtcd(kv)!).ToList(), response.More, response.Count);

    private DeleteResult FromEtcd(DeleteRangeResponse response, long revision) =>
        new(revision, response.Deleted, response.PrevKvs.Select(kv => FromEtcd(kv)!).ToList());

    private KeyValue? FromEtcd(Mvccpb.KeyValue? kv) => kv is null
        ? null
        : new KeyValue(_prefix.Strip(kv.Key.Span), kv.Value.Memory, kv.CreateRevision, kv.ModRevision, kv.Version, kv.Lease);
}
