using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>The keyspace contract over <c>POST /v1/txn</c>, <c>POST /v1/compact</c> and <c>GET /v1/status</c>.</summary>
public sealed partial class CairnClient
{
    /// <inheritdoc />
    public async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        (RangeResult)await SingleOpAsync(request, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        (PutResult)await SingleOpAsync(request, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        (DeleteResult)await SingleOpAsync(request, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        // Validate here, not only on the server: JSON cannot carry a lone surrogate, and the serializer would silently
        // replace it with U+FFFD, so the server would write a different key instead of refusing this one.
        TxnValidation.Validate(request);
        var result = await SendJsonAsync<TxnResultDto>(JsonRequest(HttpMethod.Post, "v1/txn", TxnDto.From(request)), cancellationToken).ConfigureAwait(false);
        return result.ToModel();
    }

    /// <inheritdoc />
    public async ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        var result = await SendJsonAsync<CompactDto>(JsonRequest(HttpMethod.Post, "v1/compact", new CompactDto { Revision = revision }), cancellationToken).ConfigureAwait(false);
        return new CompactResult(result.Revision, result.CompactRevision);
    }

    /// <inheritdoc />
    public async ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default)
    {
        var status = await ServerStatusAsync(cancellationToken).ConfigureAwait(false);
        return new StoreStatus(status.Revision, status.CompactRevision, status.KeyCount, status.SizeBytes, status.Backend);
    }

    // A single op is a txn with no compares; the txn's revision is the op's (the store gives every result of a txn
    // the txn's revision), which is what the in-process store returns for the op alone.
    private async Task<KvResult> SingleOpAsync(KvRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TxnValidation.Validate(new TxnRequest([], [request], [])); // see TxnAsync: keys must be checked before JSON
        var txn = new TxnDto { Compare = [], Success = [OpDto.From(request)], Failure = [] };
        var result = await SendJsonAsync<TxnResultDto>(JsonRequest(HttpMethod.Post, "v1/txn", txn), cancellationToken).ConfigureAwait(false);
        if (result.Results.Count != 1)
        {
            throw new InternalErrorException($"The server answered a one-op txn with {result.Results.Count} results.");
        }

        return result.Results[0].ToModel() with { Revision = result.Revision };
    }
}
