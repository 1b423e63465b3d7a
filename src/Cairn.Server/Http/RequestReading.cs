using System.Globalization;
using System.Text;
using Cairn.Core;
using Cairn.Server.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cairn.Server.Http;

/// <summary>Reading keys, query values and bodies from requests, strictly: bad input becomes an <see cref="InvalidArgumentException"/>.</summary>
internal static class RequestReading
{
    /// <summary>
    /// The key in the path after <paramref name="prefix"/>, percent-decoded from the raw request target and decoded as
    /// strict UTF-8, so that <c>%FF</c> is rejected instead of silently becoming another key, and <c>%2F</c> is a slash.
    /// </summary>
    public static string KeyFromPath(HttpContext context, string prefix)
    {
        var path = RawPath(context);
        var start = path.IndexOf(prefix, StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        return Keys.Decode(PercentDecode(path.AsSpan(start + prefix.Length)));
    }

    /// <summary>
    /// The path segments after <paramref name="prefix"/> (which must start the path), split at the slashes of the raw
    /// request target before anything is decoded, then each percent-decoded as strict UTF-8: so an encoded slash
    /// (<c>%2F</c>) stays inside its segment, and <c>..</c> arrives as a segment of its own instead of being resolved.
    /// Null when the path does not start with <paramref name="prefix"/>.
    /// </summary>
    public static IReadOnlyList<string>? SegmentsFromPath(HttpContext context, string prefix)
    {
        var path = RawPath(context);
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = path[prefix.Length..];
        return rest.Length == 0 ? [] : rest.Split('/').Select(s => Keys.Decode(PercentDecode(s))).ToList();
    }

    // The path of the request exactly as the client sent it (no dot-segment removal, no decoding), without the query.
    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query >= 0 ? raw[..query] : raw;
        if (Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal))
        {
            path = absolute.AbsolutePath;
        }

        return path;
    }

    private static byte[] PercentDecode(ReadOnlySpan<char> text)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length)
                {
                    throw new InvalidArgumentException("The path has a '%' that is not followed by two hex digits.");
                }

                if (!byte.TryParse(text.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    throw new InvalidArgumentException("The path has a '%' that is not followed by two hex digits.");
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }

    public static long? Long(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidArgumentException($"Query parameter '{name}' must be an integer; got '{text}'.");
    }

    public static double? Double(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new InvalidArgumentException($"Query parameter '{name}' must be a number; got '{text}'.");
    }

    /// <summary>A duration (<see cref="Durations"/>: <c>90s</c>, <c>5m</c>, <c>1h30m</c>, a number of seconds, …); null when absent.</summary>
    public static TimeSpan? Duration(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return Durations.TryParse(text, out var duration)
            ? duration
            : throw new InvalidArgumentException($"Query parameter '{name}' must be a duration ({Durations.Forms}); got '{text}'.");
    }

    public static bool Flag(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        return text switch
        {
            "1" => true,
            "0" => false,
            _ => throw new InvalidArgumentException($"Query parameter '{name}' must be true or false; got '{text}'."),
        };
    }

    public static string? Text(HttpContext context, string name)
    {
        var values = context.Request.Query[name];
        if (values.Count == 0)
        {
            return null;
        }

        // The framework leaves bytes that are not UTF-8 undecoded ("%FF" stays three characters); a key or prefix must
        // never silently become another, so such a value is refused, as it is in a key's path.
        var raw = context.Request.QueryString.Value ?? "";
        if (raw.Contains('%', StringComparison.Ordinal) && !RawValuesAreUtf8(raw, name))
        {
            throw new InvalidArgumentException($"Query parameter '{name}' is not valid UTF-8 once percent-decoded.");
        }

        return values.ToString();
    }

    private static bool RawValuesAreUtf8(string query, string name)
    {
        foreach (var pair in query.TrimStart('?').Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? pair : pair[..equals];
            if (!Uri.UnescapeDataString(rawName.Replace('+', ' ')).Equals(name, StringComparison.Ordinal))
            {
                continue;
            }

            var bytes = new List<byte>();
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            for (var i = 0; i < value.Length; i++)
            {
                if (value[i] == '%' && i + 2 < value.Length
                    && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    bytes.Add(b);
                    i += 2;
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(value[i].ToString()));
                }
            }

            if (!System.Text.Unicode.Utf8.IsValid(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads the body, refusing more than <paramref name="limit"/> bytes with 413.</summary>
    public static async Task<byte[]> BodyAsync(HttpContext context, int limit)
    {
        var body = context.Request.Body;
        var cancellationToken = context.RequestAborted;
        if (context.Request.ContentLength is { } declared)
        {
            if (declared > limit)
            {
                throw new LimitExceededException("value", declared, limit);
            }

            // The common case: the size is known, so read straight into an array of that size.
            var exact = new byte[declared];
            await body.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
            return exact;
        }

        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new LimitExceededException("value", buffer.Length + read, limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>True when the client asked for JSON rather than the raw value.</summary>
    public static bool WantsJson(HttpContext context) =>
        string.Equals(Text(context, "format"), "json", StringComparison.OrdinalIgnoreCase)
        || context.Request.Headers.Accept.Any(a => a is not null && a.Contains("application/json", StringComparison.OrdinalIgnoreCase));
}
