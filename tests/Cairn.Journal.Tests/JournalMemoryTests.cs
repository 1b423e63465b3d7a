using Microsoft.Extensions.Time.Testing;
using static Cairn.Journal.Tests.JournalTestSupport;

namespace Cairn.Journal.Tests;

/// <summary>Tests that count the process's allocations: they run alone, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCountingCollection
{
    public const string Name = "allocation-counting";
}

/// <summary>
/// Reading a message of many megabytes holds it once: the status of a request allocates about the message's size, not
/// several copies of it (strings, growing buffers, clones), whether the message is in the large-message store or, well
/// compressed, inline in its step key.
/// </summary>
[Collection(AllocationCountingCollection.Name)]
public sealed class JournalMemoryTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-memory-").FullName;
    private readonly SqliteBackend _backend = new();
    private IKeyspace _store = null!;

    public async Task InitializeAsync() => _store = await _backend.OpenEmptyAsync(_directory);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("large-message store")]
    [InlineData("inline")]
    public async Task TheStatusOfASixteenMegabyteMessage_AllocatesTheMessageOnce(string where)
    {
        var journal = new JournalService(_store, new JournalOptions { Time = new FakeTimeProvider(T0) }, largeMessages: new MemoryMessageStore());
        var message = where == "inline"
            ? Json("{\"payload\":\"" + new string(' ', 16_000_000) + "\"}")
            : Json("{\"payload\":\"" + Convert.ToBase64String(RandomBytes(12_000_000)) + "\"}");
        await journal.AppendAsync("tx-m", "commit", message);
        Assert.Equal(message.Length, (await journal.GetStatusAsync("tx-m")).Message.Length);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var status = await journal.GetStatusAsync("tx-m");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(message, status.Message.ToArray());
        Assert.True(allocated < message.Length * 3L / 2, $"reading a {message.Length}-byte message allocated {allocated} bytes.");
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(3).NextBytes(bytes);
        return bytes;
    }
}
