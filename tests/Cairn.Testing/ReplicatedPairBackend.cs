using Cairn.Core;
using Cairn.Storage.Replicated;

namespace Cairn.Testing;

/// <summary>
/// The replicated keyspace as one node of a two-node cluster: each store is node A on a fresh
/// <see cref="MemoryKeyspaceLog"/>, and node B runs beside it on the same log for the store's whole life. B catches up
/// on every entry A appends, sweeps expired leases (so an expiry may come from either node), and keeps making
/// linearizable reads and writes that write nothing (a delete of a key no test uses), each of which makes the log
/// confirm B's state. Every contract suite must pass on A unchanged: B's presence changes no revision and no answer.
/// </summary>
public sealed class ReplicatedPairBackend : Backend
{
    /// <inheritdoc />
    public override string Name => "replicated-pair";

    /// <inheritdoc />
    public override bool EmptyStoresAreNew => true;

    /// <inheritdoc />
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        var options = new ReplicatedKeyspaceOptions { BackendName = "memory" };
        var log = new MemoryKeyspaceLog();
        var b = await ReplicatedKeyspace.OpenAsync(log.Connect(), options, cancellationToken);
        var a = await ReplicatedKeyspace.OpenAsync(log, options, cancellationToken);
        var stop = new CancellationTokenSource();
        var busy = Task.Run(() => KeepBusyAsync(b, stop.Token), CancellationToken.None);
        return new OwningKeyspace(a, async () =>
        {
            await stop.CancelAsync();
            await busy;
            await b.DisposeAsync();
            stop.Dispose();
        });
    }

    private static async Task KeepBusyAsync(IKeyspace node, CancellationToken stop)
    {
        var nothing = new DeleteRequest(KeyRange.Prefix("\u0001pair-backend/never/"));
        var probe = new RangeRequest(KeyRange.Prefix("\u0001pair-backend/")) { CountOnly = true };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await node.DeleteAsync(nothing, stop);
                await node.RangeAsync(probe, stop);

                // The cadence of a background client, not a synchronisation.
                await Task.Delay(2, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
