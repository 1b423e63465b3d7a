using Cairn.Core;
using Cairn.Storage;

namespace Cairn.Testing;

/// <summary>
/// A store that owns what it runs on (a server started for it alone): every call goes to <paramref name="inner"/>, and
/// disposing it disposes <paramref name="inner"/>, then releases the owner.
/// </summary>
/// <param name="inner">The store.</param>
/// <param name="release">Stops and removes what was started for the store.</param>
public sealed class OwningKeyspace(IKeyspace inner, Func<Task> release) : DelegatingKeyspace(inner)
{
    private int _disposed;

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await release();
        }
    }
}
