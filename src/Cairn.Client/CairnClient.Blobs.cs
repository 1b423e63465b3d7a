using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>A blob search: key prefix and text, creation dates (eq, lt, gt — lt and gt together mean between).</summary>
public sealed record BlobSearch
{
    /// <summary>Keys starting with this.</summary>
    public string? Prefix { get; init; }

    /// <summary>Keys containing this (case-insensitive).</summary>
    public string? Text { get; init; }

    /// <summary>Created on this day (UTC).</summary>
    public DateOnly? On { get; init; }

    /// <summary>Created before this day.</summary>
    public DateOnly? Before { get; init; }

    /// <summary>Created after this day.</summary>
    public DateOnly? After { get; init; }

    /// <summary>At most this many.</summary>
    public int? Limit { get; init; }

    /// <summary>Paging: start after this key.</summary>
    public string? StartAfter { get; init; }
}

public sealed partial class CairnClient
{
    /// <summary>Stores <paramref name="content"/> (streamed) under blob <paramref name="key"/>.</summary>
    /// <param name="key">The key.</param>
    /// <param name="content">The body; its length is sent when the stream can tell it.</param>
    /// <param name="ttl">Expire after this long.</param>
    /// <param name="ifAbsent">Only if the key does not exist (else <see cref="PreconditionFailedException"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<BlobDto> PutBlobAsync(string key, Stream content, TimeSpan? ttl = null, bool ifAbsent = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        BlobNames.ValidateKey(key);
        var path = "/v1/blobs/" + KeyPath.Encode(key) + (ttl is { } t ? "?ttl=" + ((long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) : "");
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StreamContent(content, 1 << 16) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (content.CanSeek)
        {
            request.Content.Headers.ContentLength = content.Length - content.Position;
        }

        if (ifAbsent)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        }

        return SendJsonAsync<BlobDto>(request, cancellationToken);
    }

    /// <summary>Copies blob <paramref name="key"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="NoSuchKeyException">There is no such blob.</exception>
    public Task<long> GetBlobAsync(string key, Stream destination, CancellationToken cancellationToken = default) =>
        SendAsync(
            // Checked here as well: the URL layer would resolve a ".." segment into another path before it is sent.
            ValidKey(key), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            var expected = response.Content.Headers.ContentLength;
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var counting = 0L;
                var buffer = new byte[1 << 16];
                int n;
                while ((n = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    counting += n;
                }

                if (expected is { } length && counting != length)
                {
                    throw new UnavailableException($"The download of '{key}' broke off after {counting} of {length} bytes.");
                }

                return counting;
            }
        }, cancellationToken);

    /// <summary>Deletes blob <paramref name="key"/>; false when there was none.</summary>
    public Task<bool> DeleteBlobAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/v1/blobs/" + KeyPath.Encode(BlobNames.ValidatedKey(key))), async (response, ct) =>
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return false;
            }

            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static HttpRequestMessage ValidKey(string key) =>
        new(HttpMethod.Get, "/v1/blobs/" + KeyPath.Encode(BlobNames.ValidatedKey(key)));

    /// <summary>Lists or searches blobs.</summary>
    public Task<BlobListDto> ListBlobsAsync(BlobSearch? search = null, CancellationToken cancellationToken = default)
    {
        search ??= new BlobSearch();
        var query = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                query.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("prefix", search.Prefix);
        Add("q", search.Text);
        Add("eq", search.On?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("lt", search.Before?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("gt", search.After?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("limit", search.Limit?.ToString(CultureInfo.InvariantCulture));
        Add("start_after", search.StartAfter);
        return SendJsonAsync<BlobListDto>(new HttpRequestMessage(HttpMethod.Get, "/v1/blobs" + (query.Count > 0 ? "?" + string.Join('&', query) : "")), cancellationToken);
    }

    /// <summary><c>/v1/admin/status</c>: blob entries and bytes, the keyspace's figures.</summary>
    public Task<AdminStatusDto> AdminStatusAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<AdminStatusDto>(new HttpRequestMessage(HttpMethod.Get, "/v1/admin/status"), cancellationToken);

    /// <summary><c>/v1/admin/network</c>: each storage node's disk use, load and synchronisation.</summary>
    public Task<IReadOnlyList<StorageNodeDto>> AdminNetworkAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<IReadOnlyList<StorageNodeDto>>(new HttpRequestMessage(HttpMethod.Get, "/v1/admin/network"), cancellationToken);

    /// <summary>Recreates the metadata of the files in one of the server's volume directories.</summary>
    public Task<VolumeRebuildDto> RebuildVolumeAsync(string directory, CancellationToken cancellationToken = default) =>
        SendJsonAsync<VolumeRebuildDto>(new HttpRequestMessage(HttpMethod.Post, "/v1/admin/volumes/rebuild?dir=" + Uri.EscapeDataString(directory)), cancellationToken);

    /// <summary>Downloads a consistent snapshot (a tar) of the keyspace and the volume files into <paramref name="destination"/>.</summary>
    public Task SaveSnapshotAsync(Stream destination, CancellationToken cancellationToken = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/admin/snapshot"), async (response, ct) =>
        {
            await ThrowIfProblemAsync(response, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await body.CopyToAsync(destination, ct).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);
}
