using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Cairn.Server.Tests;

/// <summary>
/// The hostile parts <see cref="FuzzRoutes"/> builds requests from: path names (keys, txids, ids), query values,
/// header values and bodies, each a mix of ordinary values (so that some requests succeed and leave state for later
/// ones to trip over) and the edges a parser gets wrong.
/// </summary>
internal static class FuzzInputs
{
    /// <summary>Path segments, percent-encoded as sent: empty, dot segments (also encoded), NUL, an encoded slash,
    /// invalid UTF-8 and broken escapes, control characters, reserved characters, the keyspace's own prefix.</summary>
    private static readonly string[] NamePieces =
    [
        "a", "b", "k1", "dir", "x.txt", "tx1", "begin", "commit", "abort", "status", "events", "search", "example",
        "", ".", "..", "%2E", "%2E%2E", "%2e%2E", "...", "%00", "a%00b", "%2F", "%2f", "a%2Fb", "%2F..%2F", "%5C", "%FF",
        "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%C0%AF", "%E2%80%AE", "%EF%BF%BF", "%C3%A9", "%F0%9F%98%80", "%",
        "%2", "%zz", "%%", "%01", "%1F", "%7F", "%0A", "%0D%0A", "%09", "%20", "+", "%2B", "~", "%25", "%3F", "%23",
        "%3B", ";", ":", "@", "!$&'()*,=", "cairn", "%2Fcairn%2Fblobs%2Fmeta%2Fa", "0", "-1", "1", "9223372036854775807",
        "9223372036854775808", "00000000000000000000000000000000", "0123456789abcdef0123456789abcdef",
    ];

    private static readonly string[] QueryValues =
    [
        "", "0", "1", "-1", "2", "3", "10", "100", "1000", "10000", "10001", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999999999999", "1e308",
        "1e400", "-1e400", "1E3", "NaN", "nan", "Infinity", "-Infinity", "%E2%88%9E", "1.5", "-0", "0.0001", "0x10", "1_000",
        "%201", "1%20", "abc", "true", "false", "TRUE", "yes", "on", "%00", "a%00b", "%FF", "%C3%28", "%ED%A0%80", "..",
        "%2F", "/", "*", "10s", "90s", "1h30m", "2d", "0s", "500ms", "1.5h", "999999999999d", "10675199d",
        "10675199.02:48:05.4775807", "-00:00:01", "00:00:00.0000001", "24:00:00", "1:2:3:4", "2024-06-13", "06-13-2024",
        "6-3-2024", "13-45-2024", "02-30-2024", "0000-00-00", "9999-12-31", "2024-06-13T16:47:55Z", "2024-06-13T16:47:55%2B02:00",
        "2024-06-13T16:47:55+02:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "in-progress", "committed", "aborted",
        "unknown", "json", "raw", "a", "k1", "tx1", "%20", "+", "%2B", "=", "&", "%26", "%3D",
    ];

    private static readonly string[] EntityTags =
    [
        "*", "\"1\"", "\"2\"", "\"0\"", "\"-1\"", "\"9223372036854775807\"", "\"9223372036854775808\"", "W/\"1\"", "W/*", "1",
        "\"abc\"", "\"\"", "", " ", ",", "\"1\", \"2\"", "*, \"1\"", "\"" + new string('f', 64) + "\"", "\"\u00e9\"", "\"1", "1\"",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json; charset=nope",
        "text/plain", "text/plain; charset=utf-8", "application/octet-stream", "application/problem+json", "garbage", "", ";",
        "*/*", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json;;;", "application/",
    ];

    private static readonly string[] Ranges =
    [
        "bytes=0-0", "bytes=0-", "bytes=-1", "bytes=-0", "bytes=1-1", "bytes=2-5", "bytes=5-2", "bytes=0-1,3-4", "bytes=0-0,-1",
        "bytes=9223372036854775807-", "bytes=0-9223372036854775807", "bytes=-9223372036854775807", "bytes=-9223372036854775808",
        "bytes=9223372036854775806-9223372036854775807", "bytes=99999999999999999999-", "bytes=-99999999999999999999",
        "items=0-1", "bytes=", "bytes=a-b", "bytes=--1", "bytes= 0-1", "garbage", "",
    ];

    private static readonly string[] Accepts =
    [
        "application/json", "*/*", "text/event-stream", "application/octet-stream", "text/html", "garbage", "",
        "application/json;q=0", "application/problem+json", "*/*;q=abc",
    ];

    private static readonly string[] IfRanges = ["\"x\"", "Wed, 21 Oct 2015 07:28:00 GMT", "garbage", ""];

    private static readonly string[] LastEventIds = ["1", "0", "-1", "9223372036854775806", "9223372036854775807", "9223372036854775808", "abc", ""];

    /// <summary>JSON values of every type and edge, as JSON text, for the fields of structured bodies.</summary>
    private static readonly string[] JsonValues =
    [
        "0", "1", "-1", "2", "30", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1e400", "-1e400",
        "1.5", "1e-400", "-0", "null", "true", "false", "\"\"", "\"a\"", "\"k1\"", "\"10\"", "\"10s\"", "\"..\"", "\"\\u0000\"",
        "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"!!!\"", "\"AAAA\"", "\"=\"", "\"/cairn/x\"", "[]", "{}", "[1]",
        "{\"a\":1}", "\"equal\"", "\"greater\"", "\"less\"", "\"notEqual\"", "\"version\"", "\"createRevision\"",
        "\"modRevision\"", "\"value\"", "\"lease\"", "\"" + new string('k', 5000) + "\"",
    ];

    /// <summary>A name to put in a path (one segment's worth, possibly with encoded slashes).</summary>
    public static Gen<string> Name { get; } = Gen.Frequency(
        (12, Gen.Elements(NamePieces)),
        (4, Gen.Elements(NamePieces).Two().Select(t => t.Item1 + t.Item2)),
        (1, Gen.Elements(4095, 4096, 4097, 9000).Select(n => new string('k', n))),
        (1, Gen.Choose(1, 3000).Select(n => string.Concat(Enumerable.Repeat("%41", n)))),
        (1, Gen.Choose(1, 300).Select(n => string.Concat(Enumerable.Repeat("%FF", n)))));

    /// <summary>A path after a prefix: one to four names joined by slashes (a key, a blob key, extension arguments).</summary>
    public static Gen<string> NamePath { get; } = Gen.Frequency(
        (6, Name),
        (3, Gen.Choose(2, 4).SelectMany(n => Name.ListOf(n)).Select(parts => string.Join('/', parts))),
        (1, Name.Select(n => n + "/")),
        (1, Name.Select(n => "/" + n)));

    /// <summary>A query value.</summary>
    public static Gen<string> QueryValue { get; } = Gen.Frequency(
        (20, Gen.Elements(QueryValues)),
        (1, Gen.Constant(new string('9', 5000))),
        (2, Name));

    /// <summary>A query string (with its leading '?', or empty) over <paramref name="names"/> plus a few names no
    /// route reads; names repeat, so a parameter may be given twice.</summary>
    public static Gen<string> Query(params string[] names)
    {
        var name = Gen.Frequency((8, Gen.Elements(names.Length == 0 ? ["x"] : names)), (1, Gen.Elements("x", "", "%00", "%FF", "a[b]", "limit", "revision", "prefix", "ttl")));
        var pair = Gen.Frequency(
            (10, name.SelectMany(n => QueryValue, (n, v) => n + "=" + v)),
            (1, name),
            (1, name.SelectMany(n => QueryValue, (n, v) => n + "=" + v + "&" + n + "=" + v)));
        return Gen.Frequency(
            (2, Gen.Constant("")),
            (8, Gen.Choose(1, 4).SelectMany(n => pair.ListOf(n)).Select(pairs => "?" + string.Join('&', pairs))),
            (1, Gen.Elements("?", "?&", "?=", "?&&=&", "?a=1&&b")));
    }

    /// <summary>Headers among <paramref name="names"/> (If-Match, If-None-Match, Range, If-Range, Accept,
    /// Last-Event-ID), each present or not.</summary>
    public static Gen<IReadOnlyList<(string Name, string Value)>> Headers(params string[] names) =>
        Gen.CollectToList(names.Select(name => Gen.Frequency(
                (2, Gen.Constant<(string, string)?>(null)),
                (1, ValuesOf(name).Select(v => ((string, string)?)(name, v))))))
            .Select(IReadOnlyList<(string Name, string Value)> (list) => [.. list.OfType<(string, string)>()]);

    private static Gen<string> ValuesOf(string header) => header switch
    {
        "If-Match" or "If-None-Match" => Gen.Elements(EntityTags),
        "Range" => Gen.Elements(Ranges),
        "If-Range" => Gen.Elements(IfRanges),
        "Accept" => Gen.Elements(Accepts),
        "Last-Event-ID" => Gen.Elements(LastEventIds),
        "Content-Type" => Gen.Elements(ContentTypes),
        _ => throw new ArgumentException("No values for header " + header, nameof(header)),
    };

    /// <summary>A Content-Type header, or none.</summary>
    public static Gen<string?> ContentType { get; } = Gen.Frequency((1, Gen.Constant<string?>(null)), (4, Gen.Elements(ContentTypes).Select(string? (c) => c)));

    /// <summary>A JSON value of any type, as text.</summary>
    public static Gen<string> JsonValue { get; } = Gen.Elements(JsonValues);

    /// <summary>A JSON object with some of <paramref name="fields"/> (and sometimes a field no DTO has), each with
    /// <paramref name="value"/>'s values.</summary>
    public static Gen<string> JsonObject(Gen<string> value, params string[] fields) =>
        Gen.SubListOf(fields.Append("unknownField").ToArray())
            .SelectMany(chosen => value.ListOf(chosen.Count), (chosen, values) => "{" + string.Join(',', chosen.Zip(values, (f, v) => $"\"{f}\":{v}")) + "}");

    /// <summary>Bodies that no endpoint can take: empty, truncated, not JSON, JSON of the wrong shape, nesting deeper than
    /// any parser allows, numbers no type holds, bytes that are not UTF-8, a byte-order mark, a NUL.</summary>
    public static Gen<byte[]> JunkBody { get; } = Gen.Frequency(
        (6, Gen.Elements(
            "", "{", "}", "[", "{\"", "not json", "null", "[]", "{}", "\"str\"", "123", "true", "{\"a\":1e400}", "{\"a\":}",
            "{'a':1}", "{\"a\":1,}", "[1,]", "{\"a\":1}{\"b\":2}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u00\"}", "\u0000",
            "{\"a\":1} trailing", "\ufeff{}", "{\"a\":9223372036854775808}", "{\"a\":-9223372036854775809}", "{\"a\":NaN}",
            "{\"__proto__\":{}}").Select(Encoding.UTF8.GetBytes)),
        (1, Gen.Elements(64, 65, 1000, 100_000).Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth)))),
        (1, Gen.Elements(64, 65, 1000).Select(depth => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)))),
        (1, Gen.Elements<byte[]>([0xFF, 0xFE], [0xC3, 0x28], [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF])),
        (2, Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf()),
        (1, Gen.Elements(1024 * 1024, (1024 * 1024) + 1, 3 * 1024 * 1024).Select(n => new byte[n])));

    /// <summary>A body: JSON of the endpoint's shape from <paramref name="shaped"/> (if any), or junk.</summary>
    public static Gen<byte[]?> Body(Gen<string>? shaped = null) => shaped is null
        ? Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (4, JunkBody.Select(byte[]? (b) => b)))
        : Gen.Frequency((1, Gen.Constant<byte[]?>(null)), (3, JunkBody.Select(byte[]? (b) => b)), (6, shaped.Select(byte[]? (s) => Encoding.UTF8.GetBytes(s))));
}
