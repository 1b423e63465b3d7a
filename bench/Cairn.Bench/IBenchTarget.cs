namespace Cairn.Bench;

/// <summary>
/// One system under test. The harness only ever calls these three members, so an etcd or ZooKeeper target is a
/// new implementation of this interface and nothing else changes (same loop, same histogram, same report).
/// </summary>
internal interface IBenchTarget : IAsyncDisposable
{
    /// <summary>Short name for the report, e.g. <c>cairn</c>, <c>etcd</c>, <c>zookeeper</c>.</summary>
    string Name { get; }

    /// <summary>Durable overwrite of key number <paramref name="key"/>; completes only once the server acknowledged it.</summary>
    Task PutAsync(int key, byte[] value, CancellationToken ct);

    /// <summary>Read of key number <paramref name="key"/>, which the preload created.</summary>
    Task GetAsync(int key, CancellationToken ct);

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
