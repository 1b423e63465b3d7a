using Cairn.Core;
using Etcdserverpb;
using Grpc.Core;

namespace Cairn.Storage.Etcd;

public sealed partial class EtcdKeyspace
{
    // Below 2^53 so that JSON clients which read numbers as doubles (JavaScript) keep lease ids exact.
    private const long MaxGeneratedLeaseId = 1L << 53;

    private static readonly Comparer<byte[]> Utf8Order = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));

    /// <inheritdoc />
    /// <remarks>etcd raises a TTL below its minimum (2 s by default) to that minimum; the grant reports what etcd granted.</remarks>
    public ValueTask<Core.LeaseGrant> GrantLeaseAsync(long ttlSeconds, long id = 0, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            Leases.ValidateTtl(ttlSeconds);
            Leases.ValidateId(id);
            while (true)
            {
                // The store chooses, as etcd would, but below 2^53 (etcd's own ids use all 63 bits).
                var chosen = id != 0 ? id : Random.Shared.NextInt64(1, MaxGeneratedLeaseId);
                var request = new LeaseGrantRequest { TTL = ttlSeconds, ID = chosen };
                try
                {
                    var response = await CallAsync(o => _lease.LeaseGrantAsync(request, o), new RequestFacts(Lease: chosen), cancellationToken).ConfigureAwait(false);
                    if (!string.IsNullOrEmpty(response.Error))
                    {
                        throw new InvalidArgumentException($"etcd refused the lease: {response.Error}");
                    }

                    return new Core.LeaseGrant(response.ID, response.TTL, response.Header.Revision);
                }
                catch (InvalidArgumentException ex) when (ex.Message.Contains("lease already exists", StringComparison.Ordinal))
                {
                    if (id != 0)
                    {
                        throw new InvalidArgumentException($"Lease {id} already exists; choose another id or let the store choose (0).");
                    }
                }
            }
        });

    /// <inheritdoc />
    public ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            LeaseKeepAliveResponse? response = null;
            for (var attempt = 0; ; attempt++)
            {
                var token = _token;
                try
                {
                    // One renewal: a keep-alive stream with one request and its answer.
                    using var call = _lease.LeaseKeepAlive(CallOptions(cancellationToken));
                    await call.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = id }, cancellationToken).ConfigureAwait(false);
                    if (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        response = call.ResponseStream.Current;
                    }

                    await call.RequestStream.CompleteAsync().ConfigureAwait(false);
                    break;
                }
                catch (RpcException ex) when (attempt == 0 && _options.Username is not null && EtcdErrors.IsTokenRefused(ex))
                {
                    await RenewTokenAsync(token, cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException ex)
                {
                    throw await TranslateAsync(ex, new RequestFacts(Lease: id), cancellationToken).ConfigureAwait(false);
                }
            }

            if (response is null || response.TTL <= 0)
            {
                throw new LeaseNotFoundException(id);
            }

            return new LeaseInfo(id, response.TTL, response.TTL, []);
        });

    /// <inheritdoc />
    public ValueTask<long> RevokeLeaseAsync(long id, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            var request = new LeaseRevokeRequest { ID = id };
            var response = await CallAsync(o => _lease.LeaseRevokeAsync(request, o), new RequestFacts(Lease: id), cancellationToken).ConfigureAwait(false);
            return response.Header.Revision;
        });

    /// <inheritdoc />
    public ValueTask<LeaseInfo?> LeaseTimeToLiveAsync(long id, bool includeKeys = false, CancellationToken cancellationToken = default) =>
        Run(() => TimeToLiveAsync(id, includeKeys, cancellationToken));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<LeaseInfo>> ListLeasesAsync(CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            var response = await CallAsync(o => _lease.LeaseLeasesAsync(new LeaseLeasesRequest(), o), default, cancellationToken).ConfigureAwait(false);

            // etcd lists ids only; the TTLs come from one time-to-live per lease (one that expired meanwhile drops out).
            var infos = await Task.WhenAll(response.Leases.Select(l => TimeToLiveAsync(l.ID, includeKeys: false, cancellationToken))).ConfigureAwait(false);
            IReadOnlyList<LeaseInfo> live = infos.OfType<LeaseInfo>().OrderBy(l => l.Id).ToList();
            return live;
        });

    private async Task<LeaseInfo?> TimeToLiveAsync(long id, bool includeKeys, CancellationToken cancellationToken)
    {
        var request = new LeaseTimeToLiveRequest { ID = id, Keys = includeKeys };
        try
        {
            var response = await CallAsync(o => _lease.LeaseTimeToLiveAsync(request, o), new RequestFacts(Lease: id), cancellationToken).ConfigureAwait(false);
            if (response.TTL < 0)
            {
                return null;
            }

            // In key order, which is UTF-8 byte order (not UTF-16 order, for keys beyond the BMP).
            // Only the namespace's keys: leases are etcd-wide, the prefix does not reach them.
            var keys = response.Keys.Where(k => _prefix.Holds(k.Span)).Select(k => k.ToByteArray()).Order(Utf8Order).Select(k => _prefix.Strip(k)).ToList();
            return new LeaseInfo(id, response.GrantedTTL, response.TTL, keys);
        }
        catch (LeaseNotFoundException)
        {
            return null;
        }
    }
}
