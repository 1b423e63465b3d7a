using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Carts;

/// <summary>
/// Carts as keys (layout in <c>docs/carts.md</c>): a cart record per uid, a file record per file, an index of carts not
/// yet settled, and claims that bind a staging cart to the node working on it. Every change of state is one
/// transaction, so a reader sees a whole state and a watcher every change in order. Any node accepts, reads, deletes
/// and fixes carts; staging is <see cref="CartNode"/>'s.
/// </summary>
public sealed class CartStore
{
    /// <summary>Carts in <paramref name="store"/>; <paramref name="archives"/> checks the archive a cart names.</summary>
    public CartStore(IKeyspace store, CartOptions options, Archives.CartArchives archives, TimeProvider time) => throw new NotImplementedException();

    /// <summary>
    /// Accepts a cart (state <c>waiting</c>) after checking it whole: uid, at least one and at most
    /// <see cref="CartOptions.MaxFiles"/> files, ids, paths (normalised, distinct), hash types (and a hash sum with each
    /// when <paramref name="requireHashes"/>, as the seed's schema did), the archive. A uid posted again replaces its
    /// cart (the old one is deleted in the same transaction; its files go with it).
    /// </summary>
    /// <exception cref="InvalidArgumentException">The request is refused; nothing was written.</exception>
    public Task<CartDto> CreateAsync(string uid, CreateCartDto request, bool requireHashes, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The cart of <paramref name="uid"/> (with its files when <paramref name="withFiles"/>), or null.</summary>
    public Task<CartDto?> GetAsync(string uid, bool withFiles, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Carts in uid order after <paramref name="after"/>, at most <paramref name="limit"/>, only those in
    /// <paramref name="state"/> when given.</summary>
    public Task<CartListDto> ListAsync(string? after, int limit, string? state, bool withFiles, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes the cart of <paramref name="uid"/> and its file records in one transaction (the node keeping its
    /// files removes them when it sees the deletion); false when there is none.</summary>
    public Task<bool> DeleteAsync(string uid, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Records a use (a download starting): <see cref="CartDto.LastUsed"/> = now.</summary>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public Task<CartDto> TouchAsync(string uid, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The seed's <c>fixit</c>: a cart in <c>error</c> goes back to <c>waiting</c> with its failed files reset
    /// (staged files are kept); a cart in any other state is returned unchanged.</summary>
    /// <exception cref="NotFoundException">No such cart.</exception>
    public Task<CartDto> FixAsync(string uid, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>The seed's <c>purge</c>: deletes settled carts (<c>ready</c>, <c>error</c>) not updated or used for
    /// <paramref name="olderThan"/>, oldest first (only lists them when <paramref name="dryRun"/>).</summary>
    public Task<PurgeCartsResultDto> PurgeAsync(TimeSpan olderThan, bool dryRun, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>
    /// The cart's changes from <paramref name="fromRevision"/> (0: now, starting with a <c>cart</c> event of its present
    /// state): <c>cart</c> and <c>file</c> events in order, ending after a <c>deleted</c> event (also when it is replaced
    /// by a new post of its uid).
    /// </summary>
    /// <exception cref="NotFoundException">No such cart now (and, from a revision, none then either).</exception>
    /// <exception cref="CompactedException">The history from <paramref name="fromRevision"/> is gone.</exception>
    public IAsyncEnumerable<CartEventDto> WatchAsync(string uid, long fromRevision, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
