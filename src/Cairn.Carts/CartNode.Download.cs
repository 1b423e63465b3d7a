using System.Security.Cryptography;
using System.Text;
using Cairn.Carts.Tar;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Carts;

// Downloads: the tar of a ready cart kept here, laid out for the name asked for, read from the staged files (or, in
// bundle mode, from bundle.tar at the offsets of its own layout). A download in progress keeps the cart from the LRU purge.
public sealed partial class CartNode
{
    /// <summary>
    /// Opens the tar of ready cart <paramref name="cart"/>, kept on this node, for download as
    /// <paramref name="fileName"/> (null: the default name). The cart counts as in use (never purged) until the download
    /// is disposed, and its use is recorded (LRU).
    /// </summary>
    /// <exception cref="InvalidArgumentException">A bad file name.</exception>
    /// <exception cref="ConflictException">The cart is not ready.</exception>
    /// <exception cref="NotFoundException">It is not kept on this node (or was deleted).</exception>
    public async Task<CartDownload> OpenDownloadAsync(CartDto cart, string? fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        var uid = CartPaths.CheckUid(cart.Uid);
        _ = CartPaths.TarRoot(fileName, cart.ReadyAt ?? _time.GetUtcNow()); // a bad name is refused before anything else
        var cartId = cart.CartId;
        Acquire(cartId);
        try
        {
            var found = await _carts.ReadCartAsync(uid, cancellationToken).ConfigureAwait(false);
            if (found is not { } f || f.Record.CartId != cartId)
            {
                throw CartStore.NoSuchCart(uid);
            }

            var record = f.Record;
            if (record.State != CartStates.Ready || record.ReadyAt is not { } readyAt)
            {
                throw new ConflictException(record.State == CartStates.Error
                    ? $"Cart {uid} is in error: {record.Message}"
                    : $"Cart {uid} is not ready for download (it is {record.State}).");
            }

            if (record.Volume != Volume.Id)
            {
                throw new NotFoundException($"Cart {uid} is not kept on this node (node {_nodeId}).");
            }

            await _carts.TouchAsync(uid, cancellationToken).ConfigureAwait(false);
            var files = await _carts.ReadFilesAsync(cartId, 0, cancellationToken).ConfigureAwait(false);
            var root = CartPaths.TarRoot(fileName, readyAt);
            var entries = Entries(record, files, readyAt);
            var layout = CartTarLayout.Build(root, entries, readyAt);
            var stream = layout.Open();
            return new CartDownload(stream, layout.Length, fileName ?? CartPaths.DefaultFileName(readyAt), ETag(cartId, root), readyAt, () =>
            {
                Release(cartId);
                return ValueTask.CompletedTask;
            });
        }
        catch
        {
            Release(cartId);
            throw;
        }
    }

    /// <summary>The tar's entries: the staged files, or (bundle mode) their spans in bundle.tar.</summary>
    internal List<CartTarEntry> Entries(CartRecord record, IReadOnlyList<CartFileDto> files, DateTimeOffset readyAt)
    {
        var staged = StagedEntries(record.CartId, files, readyAt);
        if (!record.Bundle)
        {
            return staged;
        }

        var bundle = CartTarLayout.Build(record.Uid, staged, record.Created);
        var path = Volume.BundlePath(record.CartId);
        return [.. staged.Select((e, i) => e with { SourceFile = path, SourceOffset = bundle.DataOffset(i) })];
    }

    /// <summary>Entries reading the staged <c>.data</c> files.</summary>
    internal List<CartTarEntry> StagedEntries(string cartId, IReadOnlyList<CartFileDto> files, DateTimeOffset readyAt) =>
        [.. files.Select(f => new CartTarEntry(f.Path, f.Size ?? 0, f.Modified ?? readyAt, Volume.DataPath(cartId, f.Index), 0))];

    /// <summary><c>"&lt;cartId&gt;-&lt;8 hex of SHA-256(root)&gt;"</c>: one cart instance under one name is one tar.</summary>
    internal static string ETag(string cartId, string root) =>
        $"\"{cartId}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..8]}\"";

    /// <summary>Whether a download of <paramref name="cartId"/> is open here.</summary>
    internal bool InUse(string cartId) => _inUse.ContainsKey(cartId);

    private void Acquire(string cartId) => _inUse.AddOrUpdate(cartId, 1, (_, n) => n + 1);

    private void Release(string cartId)
    {
        while (_inUse.TryGetValue(cartId, out var n))
        {
            if (n <= 1 ? _inUse.TryRemove(new KeyValuePair<string, int>(cartId, n)) : _inUse.TryUpdate(cartId, n - 1, n))
            {
                return;
            }
        }
    }
}
