namespace Cairn.Bench;

/// <summary>
/// One system under test. The harness only calls these members, so Cairn, etcd (gRPC and its JSON gateway) and the
/// HTTP ceiling (nginx) share the same loop, histogram and report. ZooKeeper is driven by its own Java client
/// (<c>bench/zookeeper/ZkBench.java</c>), which writes the same result lines.
/// </summary>
internal interface IBenchTarget : IAsyncDisposable
{
    /// <summary>Short name for the report, e.g. <c>cairn</c>, <c>cairn-etcd</c>, <c>etcd</c>.</summary>
    string Name { get; }

    /// <summary>Durable overwrite of key number <paramref name="key"/>; completes only once the server acknowledged it.</summary>
    Task PutAsync(int key, byte[] value, CancellationToken ct);

    /// <summary>Read of key number <paramref name="key"/>, which the preload created.</summary>
    Task GetAsync(int key, CancellationToken ct);

    /// <summary>Creation of a key that does not exist yet (number <paramref name="sequence"/> of client <paramref name="client"/>
    /// in this run); fails if it exists.</summary>
    Task CreateAsync(int client, long sequence, byte[] value, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no create.");

    /// <summary>The current version token (mod revision) of key number <paramref name="key"/>, for <see cref="CasAsync"/>.</summary>
    Task<long> VersionAsync(int key, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no compare-and-set.");

    /// <summary>Overwrite of key number <paramref name="key"/> only if its version token is still <paramref name="expected"/>;
    /// returns the new token. A failed comparison is an error (each client owns its key, so it never should).</summary>
    Task<long> CasAsync(int key, long expected, byte[] value, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no compare-and-set.");

    /// <summary>Opens a watch on the target's dedicated watch key; its <see cref="IEventStream.NextAsync"/> completes
    /// at the next change event.</summary>
    Task<IEventStream> OpenWatchAsync(CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no watch.");

    /// <summary>Durable overwrite of the dedicated watch key.</summary>
    Task PutWatchedAsync(byte[] value, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no watch.");

    /// <summary>Durable journal append number <paramref name="sequence"/> of client <paramref name="client"/>: request
    /// <c>sequence / 3</c> of that client gets step begin, authorization or commit in turn.</summary>
    Task JournalAppendAsync(int client, long sequence, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no journal.");

    /// <summary>Durable overwrite of blob number <paramref name="key"/> with <paramref name="value"/>.</summary>
    Task BlobPutAsync(int key, byte[] value, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no blobs.");

    /// <summary>Read of the whole of blob number <paramref name="key"/>, which the preload created.</summary>
    Task BlobGetAsync(int key, CancellationToken ct) =>
        throw new NotSupportedException($"Target '{Name}' has no blobs.");
}

/// <summary>A watch opened by <see cref="IBenchTarget.OpenWatchAsync"/>.</summary>
internal interface IEventStream : IAsyncDisposable
{
    /// <summary>Completes when the next change event of the watched key has been received; returns the
    /// <see cref="System.Diagnostics.Stopwatch"/> timestamp at which it was.</summary>
    ValueTask<long> NextAsync(CancellationToken ct);
}
