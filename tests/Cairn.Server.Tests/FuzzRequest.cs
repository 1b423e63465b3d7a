using System.Globalization;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>
/// One generated request, exactly as it goes on the wire: the target is sent unchanged (no dot-segment removal, no
/// escaping), headers without validation, the body as bytes, chunked or with a Content-Length.
/// </summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Target">Path and query, already percent-encoded as the client means them.</param>
/// <param name="Headers">Request headers (Content-Type among them when there is a body).</param>
/// <param name="Body">The body; null for none.</param>
/// <param name="Chunked">Send the body with <c>Transfer-Encoding: chunked</c> instead of a Content-Length.</param>
internal sealed record FuzzRequest(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, bool Chunked)
{
    private const int ShownBytes = 160;

    /// <summary>Whether the answer is a stream that does not end (a watch), so only its status is read.</summary>
    public bool Streams
    {
        get
        {
            var path = Target.Split('?')[0];
            return Target.StartsWith("/v1/watch", StringComparison.Ordinal)
                || ((path.StartsWith("/v1/journal/", StringComparison.Ordinal) || path.StartsWith("/v1/runs/", StringComparison.Ordinal) || path.StartsWith("/v1/pools/", StringComparison.Ordinal) || path.StartsWith("/v1/carts/", StringComparison.Ordinal))
                    && path.EndsWith("/events", StringComparison.Ordinal))
                || (path.StartsWith("/v1/elections/", StringComparison.Ordinal) && path.EndsWith("/observe", StringComparison.Ordinal));
        }
    }

    /// <summary>The request as a reader needs it to replay it by hand (long parts cut).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Method).Append(' ').Append(Cut(Target, 300));
        foreach (var (name, value) in Headers)
        {
            text.Append(" | ").Append(name).Append(": ").Append(Cut(value, 100));
        }

        if (Body is not null)
        {
            text.Append(" | body ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes").Append(Chunked ? " chunked" : "").Append(": ");
            foreach (var b in Body.AsSpan(0, Math.Min(Body.Length, ShownBytes)))
            {
                text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : "\\x" + b.ToString("X2", CultureInfo.InvariantCulture));
            }

            if (Body.Length > ShownBytes)
            {
                text.Append('…');
            }
        }

        return text.ToString();
    }

    private static string Cut(string text, int length) =>
        text.Length <= length ? text : text[..length] + $"…({text.Length.ToString(CultureInfo.InvariantCulture)} chars)";
}
