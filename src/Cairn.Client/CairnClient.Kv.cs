using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>The resource-shaped conveniences of <c>/v1/kv</c>, <c>/v1/status</c> and <c>/healthz</c>.</summary>
public sealed partial class CairnClient
{
    /// <summary>Reads one key (<c>GET /v1/kv/{key}</c>).</summary>
    /// <param name="key">The key.</param>
    /// <param name="revision">Read as of this revision; 0 reads the latest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The key-value, or null when the key does not exist (at that revision).</returns>
    /// <exception cref="CompactedException">The revision is below the compaction point.</exception>
    /// <exception cref="FutureRevisionException">The revision is above the current one.</exception>
    public async Task<KeyValue?> GetAsync(string key, long revision = 0, CancellationToken cancellationToken = default)
    {
        Keys.Validate(key);
        var path = "v1/kv/" + KeyPath.Encode(key) + "?format=json" + (revision != 0 ? "&revision=" + revision.ToString(CultureInfo.InvariantCulture) : "");
        try
        {
            var answer = await SendJsonAsync<KeyResponseDto>(new HttpRequestMessage(HttpMethod.Get, KeyUri(path)), cancellationToken).ConfigureAwait(false);
            return answer.Kv?.ToModel();
        }
        catch (NoSuchKeyException)
        {
            return null;
        }
    }

    /// <summary>Reads one key's value as UTF-8 text; null when the key does not exist.</summary>
    /// <param name="key">The key.</param>
    /// <param name="revision">Read as of this revision; 0 reads the latest.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<string?> GetStringAsync(string key, long revision = 0, CancellationToken cancellationToken = default)
    {
        var kv = await GetAsync(key, revision, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : Encoding.UTF8.GetString(kv.Value.Span);
    }

    /// <summary>Writes one key's raw value (<c>PUT /v1/kv/{key}</c>), optionally only if a condition holds.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value bytes.</param>
    /// <param name="options">Conditions (<c>If-Match</c>/<c>If-None-Match</c>) and whether to return the previous value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new revision, whether the key was created, and the previous key-value when asked for.</returns>
    /// <exception cref="PreconditionFailedException">The condition did not hold; it carries the key's current mod revision.</exception>
    /// <exception cref="LimitExceededException">The value or key is over the server's limit.</exception>
    public Task<PutResultDto> PutAsync(string key, ReadOnlyMemory<byte> value, PutOptions? options = null, CancellationToken cancellationToken = default)
    {
        Keys.Validate(key);
        options ??= new PutOptions();
        if ((options.IfModRevision is not null ? 1 : 0) + (options.IfAbsent ? 1 : 0) + (options.IfExists ? 1 : 0) > 1)
        {
            throw new ArgumentException("Give at most one of IfModRevision, IfAbsent and IfExists.", nameof(options));
        }

        if (options.Lease is not null && options.TtlSeconds is not null)
        {
            throw new ArgumentException("Give at most one of Lease and TtlSeconds.", nameof(options));
        }

        var query = new List<string>(3);
        if (options.PrevKv)
        {
            query.Add("prevKv=true");
        }

        if (options.Lease is { } lease)
        {
            query.Add("lease=" + lease.ToString(CultureInfo.InvariantCulture));
        }

        if (options.TtlSeconds is { } ttl)
        {
            Leases.ValidateTtl(ttl);
            query.Add("ttl=" + ttl.ToString(CultureInfo.InvariantCulture));
        }

        var path = "v1/kv/" + KeyPath.Encode(key) + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        var request = new HttpRequestMessage(HttpMethod.Put, KeyUri(path))
        {
            Content = new ReadOnlyMemoryContent(value),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (options.IfModRevision is { } revision)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"");
        }
        else if (options.IfExists)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "*");
        }
        else if (options.IfAbsent)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        }

        return SendJsonAsync<PutResultDto>(request, cancellationToken);
    }

    /// <summary>Writes one key's value as UTF-8 text; see <see cref="PutAsync(string, ReadOnlyMemory{byte}, PutOptions?, CancellationToken)"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The text, stored as UTF-8.</param>
    /// <param name="options">Conditions and whether to return the previous value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<PutResultDto> PutAsync(string key, string value, PutOptions? options = null, CancellationToken cancellationToken = default) =>
        PutAsync(key, Encoding.UTF8.GetBytes(value), options, cancellationToken);

    /// <summary>Deletes one key (<c>DELETE /v1/kv/{key}</c>), optionally only if its mod revision is <paramref name="ifModRevision"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ifModRevision">Delete only if the key is unchanged since this revision.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="NoSuchKeyException">The key does not exist.</exception>
    /// <exception cref="PreconditionFailedException">The key's mod revision is another one.</exception>
    public Task<DeleteResultDto> DeleteKeyAsync(string key, long? ifModRevision = null, CancellationToken cancellationToken = default)
    {
        Keys.Validate(key);
        var request = new HttpRequestMessage(HttpMethod.Delete, KeyUri("v1/kv/" + KeyPath.Encode(key)));
        if (ifModRevision is { } revision)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "\"" + revision.ToString(CultureInfo.InvariantCulture) + "\"");
        }

        return SendJsonAsync<DeleteResultDto>(request, cancellationToken);
    }

    /// <summary>Deletes every key that starts with <paramref name="prefix"/> (none is not an error).</summary>
    /// <param name="prefix">The prefix; must not be empty, so that a slip cannot wipe the store.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DeleteResultDto> DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        Keys.Validate(prefix);
        return SendJsonAsync<DeleteResultDto>(new HttpRequestMessage(HttpMethod.Delete, KeyUri("v1/kv/" + KeyPath.Encode(prefix) + "?prefix=true")), cancellationToken);
    }

    /// <summary>Lists one page of keys under <paramref name="prefix"/> (<c>GET /v1/kv?prefix=…</c>), in key order.</summary>
    /// <param name="prefix">The prefix; empty lists every key.</param>
    /// <param name="limit">Page size, 1 to 10000.</param>
    /// <param name="after">Start after this key: the <see cref="RangeResultDto.Next"/> of the previous page.</param>
    /// <param name="revision">Read at this revision (pass the first page's revision to read every page alike); 0 is the latest.</param>
    /// <param name="keysOnly">Leave values out.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page; <see cref="RangeResultDto.Next"/> is null on the last one.</returns>
    public Task<RangeResultDto> ListAsync(string prefix = "", int limit = 1000, string? after = null, long revision = 0, bool keysOnly = false, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder("v1/kv?prefix=").Append(Uri.EscapeDataString(prefix ?? ""));
        query.Append("&limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
        if (after is not null)
        {
            query.Append("&after=").Append(Uri.EscapeDataString(after));
        }

        if (revision != 0)
        {
            query.Append("&revision=").Append(revision.ToString(CultureInfo.InvariantCulture));
        }

        if (keysOnly)
        {
            query.Append("&keysOnly=true");
        }

        return SendJsonAsync<RangeResultDto>(new HttpRequestMessage(HttpMethod.Get, query.ToString()), cancellationToken);
    }

    /// <summary>The server's status (<c>GET /v1/status</c>): revision, compaction point, key count, size, backend, version, node.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<StatusDto> ServerStatusAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<StatusDto>(new HttpRequestMessage(HttpMethod.Get, "v1/status"), cancellationToken);

    /// <summary>Asks <c>GET /healthz</c>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when the server reports itself healthy, false when it answers that it is not.</returns>
    /// <exception cref="UnavailableException">The server cannot be reached.</exception>
    public Task<bool> HealthAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "healthz"), async (response, ct) =>
        {
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
            {
                return false;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    // System.Uri would unescape %2E and collapse "." and ".." segments, turning key "a/../b" into "b"; a key's path
    // is sent exactly as encoded instead.
    private Uri KeyUri(string relative) =>
        new(_http.BaseAddress!.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + relative, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
}
