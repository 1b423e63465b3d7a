namespace Cairn.Carts;

/// <summary>
/// The names a cart takes from its requester, checked before anything is stored: its uid (one key segment and the
/// bundle's root), each file's path in the tar, archive ids, and the download's file name (whose name minus a trailing
/// <c>.tar</c> is the tar's root). Staged files are named on disk by their index in the cart, never by these, so no
/// name reaches a file path; these rules keep the tar itself safe to extract.
/// </summary>
public static class CartPaths
{
    /// <summary>Longest uid, in characters.</summary>
    public const int MaxUidLength = 128;

    /// <summary>Longest file path in the tar, in UTF-8 bytes (PAX headers carry names past ustar's 100/155).</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>Longest segment of a path, in UTF-8 bytes (what a Linux file system takes).</summary>
    public const int MaxSegmentBytes = 255;

    /// <summary>Longest archive id, in UTF-8 bytes.</summary>
    public const int MaxIdBytes = 4096;

    /// <summary>Returns <paramref name="uid"/> when it is 1–128 ASCII letters, digits, <c>-</c>, <c>_</c>, <c>.</c>,
    /// <c>:</c>, <c>@</c>, and not <c>.</c> or <c>..</c>.</summary>
    /// <exception cref="Core.InvalidArgumentException">It is not; the message says which rule it breaks.</exception>
    public static string CheckUid(string? uid) => throw new NotImplementedException();

    /// <summary>
    /// The path a file takes in the tar under the root: leading <c>/</c>s dropped, empty and <c>.</c> segments dropped;
    /// refused when empty then, or with a <c>..</c> segment, a NUL or other control character, a <c>\</c>, a segment
    /// over <see cref="MaxSegmentBytes"/> or over <see cref="MaxPathBytes"/> in all.
    /// </summary>
    /// <exception cref="Core.InvalidArgumentException">Refused; the message quotes the path (escaped) and the rule.</exception>
    public static string NormalizeFilePath(string? path) => throw new NotImplementedException();

    /// <summary>Checks a cart's paths together: no two equal, and none both a file and a directory of another
    /// (<c>a</c> and <c>a/b</c>), which would make the tar extract differently from what was asked.</summary>
    /// <exception cref="Core.InvalidArgumentException">Two paths clash; the message names both.</exception>
    public static void CheckDistinct(IReadOnlyList<string> normalizedPaths) => throw new NotImplementedException();

    /// <summary>Returns the archive id <paramref name="id"/> when it is 1–4096 bytes with no NUL or control character.</summary>
    /// <exception cref="Core.InvalidArgumentException">It is not.</exception>
    public static string CheckArchiveId(string? id) => throw new NotImplementedException();

    /// <summary>The download's default name: <c>data_yyyy_MM_dd_HH_mm_ss.tar</c> of <paramref name="readyAt"/> in UTC
    /// (the seed's name, of the time the cart became ready rather than of the request, so a resumed download gets the
    /// same tar).</summary>
    public static string DefaultFileName(DateTimeOffset readyAt) => throw new NotImplementedException();

    /// <summary>The tar's root for a download named <paramref name="fileName"/> (null: <see cref="DefaultFileName"/>):
    /// the name minus one trailing <c>.tar</c>, in both download modes. Refused when that is empty, <c>.</c>,
    /// <c>..</c>, or holds <c>/</c>, <c>\</c>, NUL or a control character, or is over <see cref="MaxSegmentBytes"/>.</summary>
    /// <exception cref="Core.InvalidArgumentException">Refused.</exception>
    public static string TarRoot(string? fileName, DateTimeOffset readyAt) => throw new NotImplementedException();
}
