using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Core;
using Microsoft.Extensions.Logging;

namespace Cairn.Carts;

/// <summary>
/// This node's part in carts: its cache volume (a directory with an id of its own, so a restarted node finds its staged
/// files again), published under a lease with the node's addresses; the loop that claims waiting carts (and carts whose
/// claimant died) up to <see cref="CartOptions.MaxActiveCarts"/> and stages them (stage, poll with backoff, copy in
/// chunks with retries and range resumes, verify, sync), lays them out and bundles them; the LRU purge of its ready
/// carts when space runs short; the removal of files of deleted carts; and the downloads it serves.
/// </summary>
public sealed class CartNode : IAsyncDisposable
{
    /// <summary>A node <paramref name="nodeId"/> keeping carts in <paramref name="volumeDirectory"/>.</summary>
    public CartNode(IKeyspace store, CartStore carts, CartArchives archives, CartOptions options, string volumeDirectory, string nodeId, TimeProvider time, ILogger logger) => throw new NotImplementedException();

    /// <summary>The volume directory (full path).</summary>
    public string VolumeDirectory => throw new NotImplementedException();

    /// <summary>The volume's id (stable across restarts).</summary>
    public string VolumeId => throw new NotImplementedException();

    /// <summary>Opens the volume (creating it and its id the first time; mode 0700) and starts the loops.</summary>
    /// <exception cref="IOException">The directory cannot be used.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Publishes where this node serves its carts from (the addresses another node proxies downloads to).</summary>
    public Task PublishAddressesAsync(IReadOnlyList<string> addresses, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Where <paramref name="cart"/>'s files are: here, on another node (its addresses), or nowhere reachable
    /// (its node is not running: null).</summary>
    public Task<CartLocation?> LocateAsync(CartDto cart, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// Opens the tar of ready cart <paramref name="cart"/>, kept on this node, for download as
    /// <paramref name="fileName"/> (null: the default name). The cart counts as in use (never purged) until the download
    /// is disposed, and its use is recorded (LRU).
    /// </summary>
    /// <exception cref="InvalidArgumentException">A bad file name.</exception>
    /// <exception cref="ConflictException">The cart is not ready.</exception>
    /// <exception cref="NotFoundException">It is not kept on this node (or was deleted).</exception>
    public Task<CartDownload> OpenDownloadAsync(CartDto cart, string? fileName, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stops the loops (claims are released: another node may take over at once) and withdraws the volume record.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}

/// <summary>Where a cart's files are kept.</summary>
/// <param name="Local">On this node.</param>
/// <param name="NodeId">The node keeping them.</param>
/// <param name="Addresses">That node's addresses (empty when local).</param>
public sealed record CartLocation(bool Local, string NodeId, IReadOnlyList<string> Addresses);

/// <summary>A download of a cart's tar: a seekable stream of exactly <see cref="Length"/> bytes, with the validators a
/// resumed download (<c>Range</c>, <c>If-Range</c>) needs. Disposing it ends the cart's use.</summary>
public sealed class CartDownload(Stream content, long length, string fileName, string eTag, DateTimeOffset lastModified, Func<ValueTask> release) : IAsyncDisposable
{
    private Func<ValueTask>? _release = release;

    /// <summary>The tar.</summary>
    public Stream Content { get; } = content;

    /// <summary>Its length.</summary>
    public long Length { get; } = length;

    /// <summary>The name to offer (<c>Content-Disposition</c>).</summary>
    public string FileName { get; } = fileName;

    /// <summary>A strong ETag, quoted: the same cart instance under the same name gives the same bytes.</summary>
    public string ETag { get; } = eTag;

    /// <summary>When the cart became ready.</summary>
    public DateTimeOffset LastModified { get; } = lastModified;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _release, null) is { } release)
        {
            await release().ConfigureAwait(false);
        }
    }
}
