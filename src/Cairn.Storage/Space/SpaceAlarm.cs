namespace Cairn.Storage.Space;

/// <summary>
/// The "no space" alarm (etcd's NOSPACE): while it is raised, writes that add data are refused with
/// <see cref="Core.InsufficientStorageException"/> and everything that frees space is still accepted. The
/// <see cref="SpaceGuardedKeyspace"/> reads it on every write; a monitor raises and clears it.
/// </summary>
/// <remarks>Thread-safe: one immutable state, swapped atomically.</remarks>
public sealed class SpaceAlarm
{
    private State? _state;

    /// <summary>Whether writes that add data are refused now.</summary>
    public bool IsRaised => Volatile.Read(ref _state) is not null;

    /// <summary>Why it is raised (for errors, <c>/readyz</c> and status), or null.</summary>
    public string? Reason => Volatile.Read(ref _state)?.Reason;

    /// <summary>When it was raised, or null.</summary>
    public DateTimeOffset? Since => Volatile.Read(ref _state)?.Since;

    /// <summary>Raised or cleared; the argument says which. Called on the thread that changed it.</summary>
    public event Action<bool>? Changed;

    /// <summary>Raises the alarm (or updates its reason, keeping the time it was first raised).</summary>
    public void Raise(string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        while (true)
        {
            var current = Volatile.Read(ref _state);
            var next = new State(reason, current?.Since ?? now);
            if (Interlocked.CompareExchange(ref _state, next, current) == current)
            {
                if (current is null)
                {
                    Changed?.Invoke(true);
                }

                return;
            }
        }
    }

    /// <summary>Clears the alarm: writes are accepted again.</summary>
    public void Clear()
    {
        if (Interlocked.Exchange(ref _state, null) is not null)
        {
            Changed?.Invoke(false);
        }
    }

    private sealed record State(string Reason, DateTimeOffset Since);
}
