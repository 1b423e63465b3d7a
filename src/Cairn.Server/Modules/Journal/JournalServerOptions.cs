using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// Settings of the journal (<c>Journal:*</c>, <c>CAIRN_JOURNAL__*</c>, <c>--journal-*</c>). The journal's primary
/// store is always the server's keyspace. Durations are read as every duration in Cairn is (<c>90s</c>, <c>5m</c>,
/// <c>1h30m</c>, <c>2d</c>, a number of seconds, or <c>[d.]hh:mm:ss</c>).
/// </summary>
public sealed class JournalServerOptions
{
    /// <summary>Serve the journal (default true): <c>/v1/journal</c>, <c>/compat/journal</c>, resync and archiving.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The secondary directory (an NFS mount in production) that takes entries while the store is
    /// unavailable. Null: <c>DATADIR/journal-secondary</c>, or the seed config file's <c>secondary</c>; <c>""</c>
    /// disables the secondary.</summary>
    public string? Secondary { get; set; }

    /// <summary>Where export files go. Null: <c>DATADIR/journal-export</c>; <c>""</c> disables export (history is still
    /// folded).</summary>
    public string? ExportDir { get; set; }

    /// <summary>Finished requests whose last step is older than this are folded into history (default 1h).</summary>
    public string? FoldAge { get; set; }

    /// <summary>How often the leader folds and exports (default 5m).</summary>
    public string? ExportInterval { get; set; }

    /// <summary>Exported history older than this is removed (default 30d).</summary>
    public string? Retention { get; set; }

    /// <summary>How often every node replays the secondary into the store (default 5s).</summary>
    public string? ResyncInterval { get; set; }

    /// <summary>Largest message accepted, in bytes of JSON (default 16 MiB). The seed took any size (its Flask server set
    /// no limit, and what ZooKeeper refused went to the NFS secondary), and 10 MB messages were written in practice; 16
    /// MiB holds those, or a 10 MB file base64-encoded in the message (13.4 MB). A message is held in memory while it
    /// is checked and written, so this bounds what each append may take.</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Entries up to this many bytes once compressed are kept in their step key; larger ones become Volumes
    /// blobs when the Volumes module is on, the step key holding a pointer (default 64 KiB, or
    /// <c>Limits:MaxValueBytes</c> when that is smaller; at most <c>Limits:MaxValueBytes</c>). Without Volumes they stay
    /// inline as far as the store takes them (1 MiB values; etcd takes 1.5 MiB per request), and a larger one is refused
    /// with 413.</summary>
    public int? InlineThreshold { get; set; }

    /// <summary>Listeners (<c>unix:/tmp/journal.sock</c>, <c>http://127.0.0.1:7071</c>) that serve the seed-compatible
    /// journal API at their root, and nothing else. A comma-separated string is accepted too. Their Unix sockets are
    /// 0666 (every local user may append, as with the seed) unless the listener says otherwise
    /// (<c>unix:/run/journal.sock?mode=0660&amp;group=app</c>).</summary>
    public List<string> Listen { get; set; } = [];

    /// <summary>The seed's YAML config file (<c>journal: {primary: …, secondary: nfs:///path}</c>); its
    /// <c>secondary</c> sets <see cref="Secondary"/> unless that is set explicitly.</summary>
    public string? Config { get; set; }
}
