using Cairn.Storage;

namespace Cairn.Journal.Tests;

/// <summary>Thrown by <see cref="ArchiveFaultyKeyspace"/> where the process would have died.</summary>
public sealed class ArchiveCrashException() : Exception("Simulated crash.");

/// <summary>
/// A store in front of a real one that simulates the death of its user: from operation number
/// <see cref="CrashAt"/> (0-based) on, every operation throws <see cref="ArchiveCrashException"/>. With
/// <see cref="ApplyThenCrash"/> that operation reaches the store first (the process died after the store acted, before it
/// saw the answer). <see cref="BeforeTxn"/> runs before each txn reaches the store (a concurrent writer's move). The real
/// store belongs to the test: disposing this one leaves it open.
/// </summary>
internal sealed class ArchiveFaultyKeyspace(IKeyspace inner) : DelegatingKeyspace(inner, ownsInner: false)
{
    private int _operations;

    public int? CrashAt { get; init; }

    public bool ApplyThenCrash { get; init; }

    public Func<TxnRequest, Task>? BeforeTxn { get; set; }

    /// <summary>Operations seen so far.</summary>
    public int Operations => _operations;

    public bool Crashed { get; private set; }

    public override async ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => Inner.RangeAsync(request, cancellationToken));

    public override async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => Inner.PutAsync(request, cancellationToken));

    public override async ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) =>
        await Run(() => Inner.DeleteAsync(request, cancellationToken));

    public override async ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default)
    {
        if (BeforeTxn is { } hook)
        {
            await hook(request);
        }

        return await Run(() => Inner.TxnAsync(request, cancellationToken));
    }

    private async Task<T> Run<T>(Func<ValueTask<T>> operation)
    {
        var number = _operations++;
        if (Crashed)
        {
            throw new ArchiveCrashException();
        }

        if (CrashAt is { } at && number >= at)
        {
            if (ApplyThenCrash)
            {
                await operation();
            }

            Crashed = true;
            throw new ArchiveCrashException();
        }

        return await operation();
    }
}
