using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Coordination.Tests;

/// <summary>A node's record under its lease, and what happens when the lease goes; on every backend.</summary>
/// <param name="backend">The backend under test.</param>
public abstract class NodeRegistrationBehaviour(Backend backend) : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-coord-").FullName;
    private IKeyspace? _store;

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_scratch);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_scratch, recursive: true);
    }

    private static NodeRecordDto Record(string id) => new() { NodeId = id, Addresses = ["http://127.0.0.1:1"], StartedAt = DateTimeOffset.UtcNow, Version = "test" };

    private async Task<KeyValue?> GetAsync(string key) =>
        (await Store.RangeAsync(new RangeRequest(KeyRange.Single(key)))).Kvs.SingleOrDefault();

    [Fact]
    public async Task Start_PutsTheRecordUnderItsLease_AndDisposeRemovesIt()
    {
        var registration = new NodeRegistration(Store, Record("n1"), ttlSeconds: 10);
        await registration.StartAsync();

        var kv = await GetAsync("/cairn/nodes/n1");
        Assert.NotNull(kv);
        Assert.Equal(registration.LeaseId, kv.Lease);
        Assert.Equal("n1", JsonSerializer.Deserialize<NodeRecordDto>(kv.Value.Span, WireJson.Options)!.NodeId);

        await registration.DisposeAsync();
        Assert.Null(await GetAsync("/cairn/nodes/n1"));
    }

    [Fact]
    public async Task WhenTheLeaseIsLost_TheNodeRegistersAgain()
    {
        await using var registration = new NodeRegistration(Store, Record("n2"), ttlSeconds: 3);
        await registration.StartAsync();
        var first = registration.LeaseId;

        await Store.RevokeLeaseAsync(first);

        await Eventually.UntilAsync(async () => (await GetAsync("/cairn/nodes/n2"))?.Lease is { } lease && lease != first, TimeSpan.FromSeconds(10), "n2 is registered under a new lease");
        Assert.Equal((await GetAsync("/cairn/nodes/n2"))!.Lease, registration.LeaseId);
    }

    [Fact]
    public async Task Abandon_LeavesTheRecordUntilTheTtlRunsOut()
    {
        // A TTL that a stall of this process between the start and the first check does not use up; the deadline is the
        // TTL plus slack for a loaded machine.
        const int Ttl = 3;
        var registration = new NodeRegistration(Store, Record("n3"), ttlSeconds: Ttl);
        await registration.StartAsync();

        await registration.AbandonAsync();

        Assert.NotNull(await GetAsync("/cairn/nodes/n3"));
        await Eventually.UntilAsync(async () => await GetAsync("/cairn/nodes/n3") is null, TimeSpan.FromSeconds(Ttl + 10), "n3's lease expires");
    }
}
