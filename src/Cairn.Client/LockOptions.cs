namespace Cairn.Client;

/// <summary>How <see cref="CairnClient.AcquireLockAsync"/> takes a lock.</summary>
public sealed record LockOptions
{
    /// <summary>One of <see cref="Contracts.LockModes"/>: <c>exclusive</c> (the default), <c>read</c>, <c>write</c> or
    /// <c>semaphore</c>. Every holder of one name uses one kind of lock.</summary>
    public string? Mode { get; init; }

    /// <summary>For a semaphore: how many holders at once (every acquire of the name gives the same).</summary>
    public int? Permits { get; init; }

    /// <summary>Who holds it, in words (shown in listings).</summary>
    public string? Owner { get; init; }

    /// <summary>How long to wait for the lock; null: until granted (or cancelled); zero: only try.</summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>The TTL of the session the handle creates when none is given: how long the lock outlives a process that
    /// died holding it. 10 s by default.</summary>
    public long SessionTtlSeconds { get; init; } = 10;
}
