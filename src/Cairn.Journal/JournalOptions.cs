namespace Cairn.Journal;

/// <summary>Settings of the journal module. The primary store is always the server's keyspace.</summary>
public sealed class JournalOptions
{
    /// <summary>The secondary directory (an NFS mount in production) that takes entries while the primary is
    /// unavailable; null disables the secondary (an append then fails when the primary does).</summary>
    public string? SecondaryDirectory { get; set; }

    /// <summary>The directory export files are written to; null disables export (history is still folded).</summary>
    public string? ExportDirectory { get; set; }

    /// <summary>Finished requests whose last step is older than this are folded into history.</summary>
    public TimeSpan FoldAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often finished requests are folded and exported.</summary>
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Exported history segments older than this are removed.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the secondary is replayed into the primary.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest message accepted, in bytes of JSON (default 16 MiB).</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Entries up to this many bytes once compressed are kept in their step key; larger ones go to the
    /// large-message store when the journal has one (the step key then holds a pointer), and stay inline otherwise
    /// (default 64 KiB).</summary>
    public int InlineThreshold { get; set; } = 64 * 1024;

    /// <summary>How old a large message that no step owns must be before the archiver removes it (left by a crash
    /// between storing it and committing its step).</summary>
    public TimeSpan PendingGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most requests folded into one history segment (one store transaction).</summary>
    public int SegmentMaxRequests { get; set; } = 30;

    /// <summary>The name of this node, recorded with each entry it accepts.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>The clock of entry times, fold ages and retention.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;
}
