namespace Cairn.Coordination.Tests.Recipes;

/// <summary>
/// What the recipe suites share: an empty store per test, leases, and the waits a test starts in the background, which
/// are cancelled and awaited before the store is closed (so that nothing a test started writes into the next one).
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class RecipeBehaviour(Backend backend) : IAsyncLifetime
{
    /// <summary>For anything that happens without a lease expiring: generous, for a loaded CI machine.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>For anything that waits for a lease to expire by the store's clock.</summary>
    protected static readonly TimeSpan ExpiryDeadline = TimeSpan.FromSeconds(30);

    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-recipes-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];
    private IKeyspace? _store;

    /// <summary>The backend under test.</summary>
    protected Backend Backend => backend;

    /// <summary>The test's store.</summary>
    protected IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>Fires when the test ends: background waits take it.</summary>
    protected CancellationToken Stop => _stop.Token;

    public async Task InitializeAsync() => _store = await Backend.OpenEmptyAsync(_scratch);

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_background).WaitAsync(Deadline);
        }
        catch (Exception)
        {
            // Cancelled, or the test already looked at (and reported) its failure.
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _stop.Dispose();
        Directory.Delete(_scratch, recursive: true);
    }

    /// <summary>A lease of its own that nobody keeps alive (long enough for the test unless it says otherwise).</summary>
    protected async Task<long> LeaseAsync(long ttlSeconds = 120) => (await Store.GrantLeaseAsync(ttlSeconds)).Id;

    /// <summary>Starts <paramref name="work"/> in the background, cancelled by <see cref="Stop"/> and awaited at the end of the test.</summary>
    protected Task<T> Background<T>(Func<CancellationToken, Task<T>> work)
    {
        var task = Task.Run(() => work(Stop));
        lock (_background)
        {
            _background.Add(task);
        }

        return task;
    }

    /// <summary>The keys under <paramref name="prefix"/>, oldest first.</summary>
    protected async Task<List<KeyValue>> KeysAsync(string prefix)
    {
        var kvs = (await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)))).Kvs.ToList();
        kvs.Sort((a, b) => a.CreateRevision.CompareTo(b.CreateRevision));
        return kvs;
    }

    /// <summary>A guarded write: <paramref name="key"/> := <paramref name="value"/> if <paramref name="guard"/> holds.</summary>
    protected async Task<bool> GuardedPutAsync(Compare guard, string key, string value) =>
        (await Store.TxnAsync(new TxnRequest([guard], [new PutRequest(key, System.Text.Encoding.UTF8.GetBytes(value))], []))).Succeeded;

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    protected async Task<string?> ValueAsync(string key)
    {
        var kvs = (await Store.RangeAsync(new RangeRequest(KeyRange.Single(key)))).Kvs;
        return kvs.Count == 0 ? null : System.Text.Encoding.UTF8.GetString(kvs[0].Value.Span);
    }
}
