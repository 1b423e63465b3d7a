using System.Threading.RateLimiting;

namespace Cairn.Core.Concurrency;

/// <summary>A turn granted by a <see cref="WorkGate"/>: the run it admits holds it until it is disposed, which lets the
/// next caller in. Disposing twice is harmless.</summary>
public sealed class WorkPermit : IDisposable
{
    private readonly WorkGate _gate;
    private RateLimitLease? _lease;

    internal WorkPermit(WorkGate gate, RateLimitLease lease)
    {
        _gate = gate;
        _lease = lease;
    }

    /// <summary>Ends the run's turn.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _lease, null) is { } lease)
        {
            // Counted out before the lease goes, so the next run (admitted by the lease's release) never sees one too many.
            _gate.Released();
            lease.Dispose();
        }
    }
}
