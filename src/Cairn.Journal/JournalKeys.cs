namespace Cairn.Journal;

/// <summary>
/// Where the journal keeps things in the keyspace. Everything is under <c>/cairn/journal/</c>:
/// <list type="bullet">
/// <item><c>steps/&lt;txid&gt;/&lt;step&gt;</c> — one key per step: the entry, gzip-compressed (<see cref="JournalCodec"/>),
/// or, for an entry over <see cref="JournalOptions.InlineThreshold"/>, a pointer to it in the
/// <see cref="ILargeMessageStore"/>.</item>
/// <item><c>requests/&lt;txid&gt;</c> — the request's summary (state, step names, times, fields), JSON; changed in the
/// same transaction as each step.</item>
/// <item><c>open/&lt;txid&gt;</c> — present while the request is in progress (written and removed in the same
/// transaction as its summary); its value is the first step's time (Unix ms). <see cref="JournalService.StuckAsync"/>
/// finds stuck requests here, reading only their summaries.</item>
/// <item><c>archive/&lt;txid&gt;</c> — a folded request: which history segment holds it, and its status.</item>
/// <item><c>segments/&lt;n&gt;</c> — history segment n (12 digits, from 1): the folded requests, gzip JSON.</item>
/// <item><c>meta/next-segment</c> — the next segment number; <c>meta/export</c> — the next segment to export.</item>
/// <item><c>pending/&lt;id&gt;</c> — a large message stored (or being stored, or being removed) in the
/// <see cref="ILargeMessageStore"/> that no step owns: written before the content, removed in the transaction that
/// commits the step pointing to it, or after the content is removed. What is left behind by a crash is found here
/// (<see cref="JournalArchiver"/> removes it after a grace period).</item>
/// </list>
/// A txid or step is in a key as its <see cref="Name"/>: itself, unless it is very long.
/// </summary>
public static class JournalKeys
{
    /// <summary>The prefix of every journal key.</summary>
    public const string Root = "/cairn/journal/";

    /// <summary>Prefix of step keys.</summary>
    public const string Steps = Root + "steps/";

    /// <summary>Prefix of request summaries.</summary>
    public const string Requests = Root + "requests/";

    /// <summary>Prefix of the in-progress index.</summary>
    public const string Open = Root + "open/";

    /// <summary>Prefix of archived-request pointers.</summary>
    public const string Archive = Root + "archive/";

    /// <summary>Prefix of history segments.</summary>
    public const string Segments = Root + "segments/";

    /// <summary>The next segment number to allocate.</summary>
    public const string NextSegment = Root + "meta/next-segment";

    /// <summary>The next segment to export.</summary>
    public const string ExportCursor = Root + "meta/export";

    /// <summary>Prefix of the records of large messages that no step owns (yet, or any more).</summary>
    public const string Pending = Root + "pending/";
    /// <summary>Longest txid or step, in bytes of UTF-8, that a key holds as it is.</summary>
    public const int MaxNameBytes = 1024;

    // How much of a longer name its key keeps, in bytes of UTF-8 (less when that would split a character).
    private const int KeptBytes = 1000;

    /// <summary>The key of one step.</summary>
    public static string Step(string txid, string step) => Steps + Name(txid) + "/" + Name(step);

    /// <summary>The prefix of a request's steps.</summary>
    public static string StepsOf(string txid) => Steps + Name(txid) + "/";

    /// <summary>The summary key of a request.</summary>
    public static string Request(string txid) => Requests + Name(txid);

    /// <summary>The in-progress index key of a request.</summary>
    public static string OpenRequest(string txid) => Open + Name(txid);

    /// <summary>The archive pointer of a request.</summary>
    public static string Archived(string txid) => Archive + Name(txid);

    /// <summary>
    /// A txid or step as keys hold it: the name itself when it is at most <see cref="MaxNameBytes"/> bytes of UTF-8 (so
    /// every key written while names were at most 128 characters reads as it did); a longer one as its first 1000 bytes
    /// or so (whole characters), <c>~</c> and the SHA-256 of the whole name in hex. So the step key of the longest txid and
    /// step allowed (4 KiB each) stays around 2 KiB, within the default key limit (<c>Limits:MaxKeyBytes</c>, 4096),
    /// and keys still sort by the start of the name. The two forms never meet: the first is at most 1024 bytes long,
    /// the second more. Where a key's name is all there is (a listing of summaries), the summary holds the txid.
    /// </summary>
    public static string Name(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes <= MaxNameBytes)
        {
            return name;
        }

        // As many whole characters as fit in KeptBytes.
        var kept = 0;
        var used = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > KeptBytes)
            {
                break;
            }

            used += rune.Utf8SequenceLength;
            kept += rune.Utf16SequenceLength;
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        return string.Concat(name.AsSpan(0, kept), "~", Convert.ToHexStringLower(hash));
    }

    /// <summary>The pending record of large message <paramref name="id"/>.</summary>
    public static string PendingMessage(string id) => Pending + id;

    /// <summary>The key of history segment <paramref name="number"/>.</summary>
    public static string Segment(long number) => Segments + number.ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
}
