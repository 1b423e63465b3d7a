using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Cairn.Carts.Archives;

/// <summary>
/// The Pacifica archive interface over HTTP (<c>ARCHIVE_INTERFACE_URL</c>): <c>POST /&lt;id&gt;</c> stages a file,
/// <c>HEAD /&lt;id&gt;</c> tells its status in headers (<c>X-Pacifica-Messsage</c> — sic, three s —,
/// <c>X-Content-Length</c>, <c>Last-Modified</c> as float seconds since the epoch, <c>X-Pacifica-Ctime</c>,
/// <c>X-Pacifica-Bytes-Per-Level</c>, <c>X-Pacifica-File-Storage-Media</c>), <c>GET /&lt;id&gt;?byte_range=start-end</c>
/// (end exclusive) reads it. Ids are URL-encoded as one path segment. Connection failures, timeouts and 5xx are
/// <see cref="ArchiveFailure.Transient"/>; 404 is <see cref="ArchiveFailure.NotFound"/>; a status without its headers
/// or with unreadable ones is <see cref="ArchiveFailure.Failed"/>.
/// </summary>
/// <remarks>
/// A 5xx is transient because the archive answers 500 for everything that goes wrong on its side, passing ones
/// included (a tape library busy, a file still being staged); the pipeline retries it <see cref="CartOptions.Attempts"/>
/// times with backoff and then fails the file with the archive's message. The one 500 that is known not to pass is
/// the archive's own "No such file or directory" when it cannot open a file (the POSIX backend answers a stage or
/// status of a missing file so): it is <see cref="ArchiveFailure.NotFound"/>.
/// Each call's wait for the answer's headers is bounded by the request timeout; reading a body is not (a large file
/// takes as long as it takes; the caller's token stops it). The <see cref="HttpClient"/>'s own
/// <see cref="HttpClient.Timeout"/> should be infinite for that reason.
/// </remarks>
public sealed class PacificaArchive : ICartArchive
{
    private readonly HttpClient _http;
    private readonly string _base;
    private readonly TimeSpan _requestTimeout;

    /// <summary>An archive at <paramref name="baseUrl"/> (a trailing <c>/</c> is added when missing) through
    /// <paramref name="http"/>, which the caller owns; <paramref name="requestTimeout"/> bounds each call's headers.</summary>
    public PacificaArchive(HttpClient http, Uri baseUrl, TimeSpan requestTimeout, string name = "pacifica")
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The archive interface URL '{baseUrl}' must be an absolute http or https URL.", nameof(baseUrl));
        }

        _http = http;
        var text = baseUrl.GetLeftPart(UriPartial.Path);
        _base = text.EndsWith('/') ? text : text + "/";
        _requestTimeout = requestTimeout;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool SupportsRange => true;

    /// <inheritdoc />
    public async Task StageAsync(string fileId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, fileId, query: null, "stage", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, fileId, "stage", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Head, fileId, query: null, "status", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, fileId, "status", cancellationToken).ConfigureAwait(false);
        }

        var size = Header(response, "X-Content-Length", fileId);
        if (!long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            // A byte count past a long (the seed's tests ask for 10^22 bytes) is more than any disk holds: the largest
            // size there is, so the space check refuses it with the seed's message rather than as an unreadable status.
            length = size.Trim() is { Length: > 0 } digits && digits.All(char.IsAsciiDigit)
                ? long.MaxValue
                : throw Unreadable(fileId, "X-Content-Length", size, "a byte count");
        }

        var modifiedText = Header(response, "Last-Modified", fileId);
        if (!TryParseTime(modifiedText, out var modified))
        {
            throw Unreadable(fileId, "Last-Modified", modifiedText, "seconds since the epoch or an HTTP date");
        }

        var media = Header(response, "X-Pacifica-File-Storage-Media", fileId).Trim();
        return new ArchiveFileStatus(length, modified, media, OnDisk: string.Equals(media, "disk", StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == 0)
        {
            return new MemoryStream([], writable: false);
        }

        // The archive reads finish - start bytes from start: the end is exclusive.
        var query = string.Create(CultureInfo.InvariantCulture, $"byte_range={offset}-{offset + length}");
        var response = await SendAsync(HttpMethod.Get, fileId, query, "read", cancellationToken).ConfigureAwait(false);
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, fileId, "read", cancellationToken).ConfigureAwait(false);
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new BoundedReadStream(body, length, $"The archive's answer for file '{CartPaths.Escape(fileId)}' from byte {offset}", response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string fileId, string? query, string what, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, Url(fileId, query));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CartArchiveException(
                ArchiveFailure.Transient,
                $"The archive did not answer the {what} of file '{CartPaths.Escape(fileId)}' within {_requestTimeout.TotalSeconds:0.###} s.",
                e);
        }
        catch (HttpRequestException e)
        {
            throw new CartArchiveException(
                ArchiveFailure.Transient, $"The archive could not be reached for the {what} of file '{CartPaths.Escape(fileId)}': {e.Message}", e);
        }
        finally
        {
            request.Dispose();
        }
    }

    private Uri Url(string fileId, string? query)
    {
        if (string.IsNullOrEmpty(fileId) || fileId is "." or ".." || fileId.Any(char.IsControl))
        {
            // A dot segment is removed from any URL (even escaped), so such an id cannot be asked for.
            throw new CartArchiveException(ArchiveFailure.Failed, $"Archive id '{CartPaths.Escape(fileId ?? string.Empty)}' cannot be sent to the archive interface.");
        }

        return new Uri(_base + Uri.EscapeDataString(fileId) + (query is null ? string.Empty : "?" + query));
    }

    private static async Task<CartArchiveException> FailureAsync(HttpResponseMessage response, string fileId, string what, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var message = await ErrorMessageAsync(response, cancellationToken).ConfigureAwait(false);
        var text = $"The archive answered {status} {response.ReasonPhrase} to the {what} of file '{CartPaths.Escape(fileId)}'"
            + (message is null ? "." : $": {CartPaths.Escape(message, 1000)}");
        var failure = response.StatusCode == HttpStatusCode.NotFound
                || (message is not null && message.Contains("No such file or directory", StringComparison.Ordinal))
            ? ArchiveFailure.NotFound
            : status >= 500 ? ArchiveFailure.Transient : ArchiveFailure.Failed;
        return new CartArchiveException(failure, text);
    }

    /// <summary>What the archive's JSON error page (CherryPy's, which the archive forces to JSON) says: its
    /// <c>message</c>, and the last line of its <c>traceback</c> (where the archive's own error is: CherryPy's message
    /// for an exception is a generic one); the start of a body that is not one; null when there is no body.</summary>
    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    var text = message.GetString();
                    if (json.RootElement.TryGetProperty("traceback", out var traceback) && traceback.ValueKind == JsonValueKind.String
                        && traceback.GetString()!.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [.., var last])
                    {
                        text += " (" + (last.Length > 300 ? last[..300] + "…" : last) + ")";
                    }

                    return text;
                }
            }
            catch (JsonException)
            {
            }

            return body.Length > 300 ? body[..300] + "…" : body;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return null;
        }
    }

    private static string Header(HttpResponseMessage response, string name, string fileId)
    {
        if (response.Headers.NonValidated.TryGetValues(name, out var values)
            || response.Content.Headers.NonValidated.TryGetValues(name, out values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        throw new CartArchiveException(
            ArchiveFailure.Failed,
            $"The archive's status of file '{CartPaths.Escape(fileId)}' has no {name} header ({(int)response.StatusCode} {response.ReasonPhrase}).");
    }

    private static CartArchiveException Unreadable(string fileId, string name, string value, string expected) =>
        new(ArchiveFailure.Failed, $"The archive's status of file '{CartPaths.Escape(fileId)}' has an unreadable {name} header '{CartPaths.Escape(value)}' (expected {expected}).");

    /// <summary>The archive writes <c>str(mtime)</c>, a Python float (<c>1700000000.123456</c>); an HTTP date is taken too.</summary>
    internal static bool TryParseTime(string text, out DateTimeOffset time)
    {
        text = text.Trim();
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            var minimum = (decimal)(DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond;
            var maximum = (decimal)(DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerSecond;
            if (seconds >= minimum && seconds <= maximum)
            {
                time = DateTimeOffset.UnixEpoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
                return true;
            }

            time = default;
            return false;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
