using System.Collections.Concurrent;

namespace Cairn.Journal.Tests;

/// <summary>
/// A large-message store in memory, for the journal's suites: what it holds can be looked at, and
/// <see cref="BeforePut"/> runs before each content is stored (to fail it, or hold it up).
/// </summary>
internal sealed class MemoryMessageStore : ILargeMessageStore
{
    private readonly ConcurrentDictionary<string, byte[]> _contents = new(StringComparer.Ordinal);

    /// <summary>Runs before a content is stored; what it throws, the put throws.</summary>
    public Func<string, Task>? BeforePut { get; set; }

    /// <summary>The names held now, in order.</summary>
    public IReadOnlyList<string> Names => [.. _contents.Keys.Order(StringComparer.Ordinal)];

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (BeforePut is { } hook)
        {
            await hook(name);
        }

        if (!_contents.TryAdd(name, content.ToArray()))
        {
            throw new InvalidOperationException($"'{name}' was stored twice.");
        }
    }

    public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<Stream?>(_contents.TryGetValue(name, out var content) ? new MemoryStream(content, writable: false) : null);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(_contents.TryRemove(name, out _));
}
