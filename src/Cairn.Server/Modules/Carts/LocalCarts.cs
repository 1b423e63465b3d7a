using Cairn.Carts;

namespace Cairn.Server.Modules.Carts;

/// <summary>This node's <see cref="CartNode"/>, owned here so that it is disposed exactly once: when the server stops
/// (releasing its claims for another node at once), or with the container when start-up failed before that.</summary>
internal sealed class LocalCarts(CartNode node) : IAsyncDisposable
{
    private int _disposed;

    /// <summary>The node.</summary>
    public CartNode Node { get; } = node;

    /// <summary>Replaces how the node measures its volume's free bytes (tests give the volume a size of their choosing).</summary>
    internal Func<long>? FreeSpaceProbe
    {
        get => Node.FreeSpaceProbe;
        set => Node.FreeSpaceProbe = value;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await Node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
