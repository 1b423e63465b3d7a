using System.Text.Json;

namespace Cairn.Contracts;

/// <summary>A cart's states, as pacifica-cartd named them (<c>X-Pacifica-Status</c>).</summary>
public static class CartStates
{
    /// <summary>Accepted; no node has taken it yet.</summary>
    public const string Waiting = "waiting";

    /// <summary>A node is bringing its files from the archive.</summary>
    public const string Staging = "staging";

    /// <summary>Every file is staged and checked; the node is laying out the tar (and, in bundle mode, writing it).</summary>
    public const string Bundling = "bundling";

    /// <summary>The tar can be downloaded.</summary>
    public const string Ready = "ready";

    /// <summary>A file could not be staged; <see cref="CartDto.Message"/> says why (the seed's messages).</summary>
    public const string Error = "error";

    /// <summary>Deleted (only ever seen as the last event of a cart's stream).</summary>
    public const string Deleted = "deleted";

    /// <summary>True for <see cref="Ready"/> and <see cref="Error"/>: states a cart leaves only by being deleted or fixed.</summary>
    public static bool IsSettled(string state) => state is Ready or Error;
}

/// <summary>A file's states within a cart.</summary>
public static class CartFileStates
{
    /// <summary>Not started.</summary>
    public const string Waiting = "waiting";

    /// <summary>Asked of the archive; waiting for it to be on disk there (brought back from tape).</summary>
    public const string Staging = "staging";

    /// <summary>Being copied to the cart's node, <see cref="CartFileDto.BytesDone"/> of <see cref="CartFileDto.Size"/>.</summary>
    public const string Fetching = "fetching";

    /// <summary>On the cart's node, its hash checked, synced to disk.</summary>
    public const string Staged = "staged";

    /// <summary>Failed; <see cref="CartFileDto.Error"/> says why.</summary>
    public const string Error = "error";
}

/// <summary>One file asked for: pacifica-cartd's <c>fileids</c> item.</summary>
public sealed class CartFileRequestDto
{
    /// <summary>The file's id in the archive: a string or an integer, as the seed's schema took it.</summary>
    public JsonElement Id { get; set; }

    /// <summary>Where the file goes in the tar, under its root: relative, <c>/</c>-separated; leading <c>/</c>s are
    /// dropped, <c>.</c> and empty segments collapsed; <c>..</c>, NUL, control characters and <c>\</c> are refused.</summary>
    public string Path { get; set; } = "";

    /// <summary>The hash algorithm of <see cref="HashSum"/>: <c>md5</c>, <c>sha1</c>, <c>sha256</c>, <c>sha384</c>,
    /// <c>sha512</c> (case-insensitive). Required on the cartd API (the seed's schema); optional on <c>/v1</c>.</summary>
    public string? HashType { get; set; }

    /// <summary>The file's expected hash, hex (case-insensitive).</summary>
    public string? HashSum { get; set; }
}

/// <summary>The body of <c>POST /v1/carts/{uid}</c> and of the cartd API's <c>POST /&lt;uid&gt;</c>.</summary>
public sealed class CreateCartDto
{
    /// <summary>The files, in tar order (at least one).</summary>
    public List<CartFileRequestDto>? FileIds { get; set; }

    /// <summary>Build the tar once into one file (the seed's bundle mode); default <c>Carts:BundleTask</c>.</summary>
    public bool? Bundle { get; set; }

    /// <summary>Which configured archive the ids are in (<c>pacifica</c>, <c>directory</c>, <c>blobs</c>); default
    /// <c>Carts:Archive</c>.</summary>
    public string? Archive { get; set; }
}

/// <summary>A file of a cart, as <c>/v1/carts/{uid}</c> answers it.</summary>
public sealed class CartFileDto
{
    /// <summary>Its place in the cart (0-based), which is its place in the tar.</summary>
    public int Index { get; set; }

    /// <summary>The archive id, as text.</summary>
    public string Id { get; set; } = "";

    /// <summary>Its path in the tar under the root (normalised).</summary>
    public string Path { get; set; } = "";

    /// <summary>The hash type asked for (lower case), or null.</summary>
    public string? HashType { get; set; }

    /// <summary>The expected hash (lower case), or null.</summary>
    public string? HashSum { get; set; }

    /// <summary>See <see cref="CartFileStates"/>.</summary>
    public string State { get; set; } = CartFileStates.Waiting;

    /// <summary>Its size, once the archive told it.</summary>
    public long? Size { get; set; }

    /// <summary>Bytes copied to the cart's node so far.</summary>
    public long BytesDone { get; set; }

    /// <summary>Its modification time in the archive (the tar member's mtime), once known.</summary>
    public DateTimeOffset? Modified { get; set; }

    /// <summary>Where the archive keeps it (<c>disk</c>, <c>tape</c>), as its last status said.</summary>
    public string? Media { get; set; }

    /// <summary>How many status calls were made for it.</summary>
    public int StatusCalls { get; set; }

    /// <summary>Why it failed, in the seed's words (e.g. <c>Failed to pull with error: File hash does not match provided hash</c>).</summary>
    public string? Error { get; set; }
}

/// <summary>A cart, as <c>/v1/carts/{uid}</c> answers it.</summary>
public sealed class CartDto
{
    /// <summary>The cart's uid (the path segment it was posted to).</summary>
    public string Uid { get; set; } = "";

    /// <summary>This instance of the cart (a uid posted again is a new instance): names its directory and its ETag.</summary>
    public string CartId { get; set; } = "";

    /// <summary>See <see cref="CartStates"/>.</summary>
    public string State { get; set; } = CartStates.Waiting;

    /// <summary>Empty unless <see cref="State"/> is <c>error</c>: then the seed's message
    /// (<c>Failed to pull file(…)</c>).</summary>
    public string Message { get; set; } = "";

    /// <summary>Bundle mode.</summary>
    public bool Bundle { get; set; }

    /// <summary>The archive its ids are in.</summary>
    public string Archive { get; set; } = "";

    /// <summary>The node that stages and keeps it, once one took it.</summary>
    public string? Node { get; set; }

    /// <summary>When it was posted.</summary>
    public DateTimeOffset Created { get; set; }

    /// <summary>Its last change of state or progress.</summary>
    public DateTimeOffset Updated { get; set; }

    /// <summary>Its last use: posted, or a download started (what the LRU purge orders by).</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>When it became ready; the default download name is <c>data_yyyy_MM_dd_HH_mm_ss.tar</c> of this (UTC).</summary>
    public DateTimeOffset? ReadyAt { get; set; }

    /// <summary>How many files.</summary>
    public int FileCount { get; set; }

    /// <summary>How many are staged.</summary>
    public int FilesStaged { get; set; }

    /// <summary>Sum of the sizes known so far (all of them once every file's status came back).</summary>
    public long TotalBytes { get; set; }

    /// <summary>Bytes copied so far.</summary>
    public long BytesDone { get; set; }

    /// <summary>Length of the tar of a ready cart under its default name (another name changes it by the root's length).</summary>
    public long? TarBytes { get; set; }

    /// <summary>Estimated seconds until staged, from the rate so far; null when not staging or not yet known.</summary>
    public double? EtaSeconds { get; set; }

    /// <summary>The store revision of the cart record's last change.</summary>
    public long ModRevision { get; set; }

    /// <summary>The files (only on <c>GET /v1/carts/{uid}</c>, and on the list with <c>?files=true</c>).</summary>
    public List<CartFileDto>? Files { get; set; }
}

/// <summary>A page of <c>GET /v1/carts</c>.</summary>
public sealed class CartListDto
{
    /// <summary>Carts in uid order.</summary>
    public List<CartDto> Items { get; set; } = [];

    /// <summary>The uid to pass as <c>after</c> for the next page; null on the last.</summary>
    public string? Next { get; set; }
}

/// <summary>Event types of a cart's stream (<c>GET /v1/carts/{uid}/events</c>).</summary>
public static class CartEventTypes
{
    /// <summary>The cart record changed (state, progress, message).</summary>
    public const string Cart = "cart";

    /// <summary>A file record changed.</summary>
    public const string File = "file";

    /// <summary>The cart was deleted; the stream ends.</summary>
    public const string Deleted = "deleted";
}

/// <summary>One event of a cart's stream.</summary>
public sealed class CartEventDto
{
    /// <summary>See <see cref="CartEventTypes"/>.</summary>
    public string Type { get; set; } = "";

    /// <summary>The store revision of the change.</summary>
    public long Revision { get; set; }

    /// <summary>The cart after the change (without files); on <c>deleted</c>, the cart as it was with state <c>deleted</c>.</summary>
    public CartDto? Cart { get; set; }

    /// <summary>The file after the change (type <c>file</c>).</summary>
    public CartFileDto? File { get; set; }
}

/// <summary>The body of <c>POST /v1/admin/carts/purge</c>.</summary>
public sealed class PurgeCartsDto
{
    /// <summary>Delete carts not changed or used for this long (<c>180d</c>, <c>12h</c>, seconds).</summary>
    public string OlderThan { get; set; } = "";

    /// <summary>Only say which would go.</summary>
    public bool DryRun { get; set; }
}

/// <summary>What <c>POST /v1/admin/carts/purge</c> deleted (or would).</summary>
public sealed class PurgeCartsResultDto
{
    /// <summary>The uids, oldest first.</summary>
    public List<string> Deleted { get; set; } = [];
}
