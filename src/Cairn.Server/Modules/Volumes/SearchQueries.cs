using System.Globalization;
using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using Cairn.Volumes;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Modules.Volumes;

/// <summary>Reads a blob search from a request: key text, and creation dates <c>eq</c> (on), <c>lt</c> (before),
/// <c>gt</c> (after); <c>lt</c> and <c>gt</c> together mean "between". The Pulzar route takes the seed's
/// <c>mm-dd-yyyy</c>, and <c>eq</c> there wins over <c>lt</c>/<c>gt</c>; the native one takes ISO <c>yyyy-mm-dd</c> (and the
/// seed's form too), and every date given filters.</summary>
internal static class SearchQueries
{
    private static readonly string[] SeedFormats = ["MM-dd-yyyy", "M-d-yyyy"];
    private static readonly string[] NativeFormats = ["yyyy-MM-dd", "MM-dd-yyyy", "M-d-yyyy"];

    /// <summary><c>GET /v1/blobs?prefix=&amp;q=&amp;eq=&amp;lt=&amp;gt=&amp;limit=&amp;start_after=</c>.</summary>
    public static BlobQuery Native(HttpContext context)
    {
        var limit = RequestReading.Long(context, "limit") ?? 1000;
        if (limit is < 1 or > 10_000)
        {
            throw new InvalidArgumentException($"'limit' is between 1 and 10000; got {limit}.");
        }

        return new BlobQuery
        {
            Prefix = RequestReading.Text(context, "prefix"),
            Text = RequestReading.Text(context, "q"),
            CreatedOn = Date(context, "eq", NativeFormats, "yyyy-mm-dd"),
            CreatedBefore = Date(context, "lt", NativeFormats, "yyyy-mm-dd"),
            CreatedAfter = Date(context, "gt", NativeFormats, "yyyy-mm-dd"),
            After = RequestReading.Text(context, "start_after"),
            Limit = (int)limit,
        };
    }

    /// <summary>The seed's <c>third_party/search/&lt;text&gt;?eq=|lt=|gt=</c> with <c>mm-dd-yyyy</c> dates.</summary>
    public static BlobQuery Seed(HttpContext context, string text) => Seed(name => RequestReading.Text(context, name), text);

    /// <summary>The same, from any source of parameters (the built-in search extension). As in the original's search,
    /// <c>eq</c> has precedence: given with <c>lt</c> or <c>gt</c>, only <c>eq</c> filters (the others are still checked
    /// to be dates); and <c>lt</c> and <c>gt</c> take their own day in (the original compared with <c>&lt;=</c> and
    /// <c>&gt;=</c>), where the native route's are strict.</summary>
    public static BlobQuery Seed(Func<string, string?> parameter, string text)
    {
        var on = Date(parameter, "eq", SeedFormats, "mm-dd-yyyy");
        var before = Date(parameter, "lt", SeedFormats, "mm-dd-yyyy");
        var after = Date(parameter, "gt", SeedFormats, "mm-dd-yyyy");
        return new()
        {
            Text = text,
            CreatedOn = on,
            CreatedBefore = on is null ? before?.AddDays(1) : null,
            CreatedAfter = on is null ? after?.AddDays(-1) : null,
            Limit = 10_000,
        };
    }

    private static DateOnly? Date(HttpContext context, string name, string[] formats, string shown) =>
        Date(n => RequestReading.Text(context, n), name, formats, shown);

    private static DateOnly? Date(Func<string, string?> parameter, string name, string[] formats, string shown)
    {
        var text = parameter(name);
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new InvalidArgumentException($"'{name}' must be a date as {shown}; got '{text}'.");
    }
}
