namespace Cairn.Storage.Watching;

/// <summary>Settings of a <see cref="WatchHub"/>.</summary>
public sealed record WatchHubOptions
{
    /// <summary>Events of the most recent revisions kept in memory; a watcher further behind reads history instead.</summary>
    public int CapacityEvents { get; init; } = 65_536;

    /// <summary>Progress notification interval of a watch that does not choose one.</summary>
    public TimeSpan DefaultProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock of progress notifications (a fake one in tests).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
