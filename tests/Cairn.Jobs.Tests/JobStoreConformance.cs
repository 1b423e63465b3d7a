using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Jobs.Tests;

/// <summary>
/// The job store's contract, run on every backend: each test gets an empty store and a store of jobs with a fake clock
/// (and a seeded jitter source), so that backoff, delays, claim expiry and retention are the test's to move.
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract partial class JobStoreConformance(Backend backend) : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-jobs-store-").FullName;
    private IKeyspace? _keyspace;
    private JobStore? _jobs;

    protected FakeTimeProvider Time { get; } = new(T0);

    protected IKeyspace Keyspace => _keyspace ?? throw new InvalidOperationException("Not initialized.");

    protected JobStore Jobs => _jobs ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _keyspace = await backend.OpenEmptyAsync(_directory);
        _jobs = NewStore();
    }

    public async Task DisposeAsync()
    {
        if (_keyspace is not null)
        {
            await _keyspace.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Another store ("node") on the same keyspace and clock.</summary>
    protected JobStore NewStore(string node = "node-1", Action<JobsOptionsBuilder>? configure = null)
    {
        var builder = new JobsOptionsBuilder();
        configure?.Invoke(builder);
        return new JobStore(Keyspace, new JobsOptions
        {
            Time = Time,
            NodeId = node,
            MaxAttempts = builder.MaxAttempts,
            Backoff = builder.Backoff,
            MaxBackoff = builder.MaxBackoff,
            ClaimTtl = TimeSpan.FromSeconds(30),
            Retention = TimeSpan.FromDays(1),
            MaxLogBytes = builder.MaxLogBytes,
            Random = new Random(42),
        });
    }

    protected sealed class JobsOptionsBuilder
    {
        public int MaxAttempts { get; set; } = 5;

        public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(10);

        public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

        public int MaxLogBytes { get; set; } = 1024 * 1024;
    }

    protected static EnqueueJobDto Job(string type = "send-mail", string? args = null, string? queue = null) =>
        new() { Type = type, Args = args is null ? null : JsonDocument.Parse(args).RootElement.Clone(), Queue = queue };

    protected static JobClaimRequestDto Worker(string worker = "w1", string node = "node-1", params string[] types) =>
        new() { Worker = worker, Node = node, Types = types.Length == 0 ? ["*"] : [.. types] };

    protected async Task<long> KeyCountAsync(string prefix = "/cairn/jobs/") =>
        (await Keyspace.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)) { CountOnly = true })).Count;

    [Fact]
    public async Task Enqueue_IsReadBack_WithDefaults_AndItsRevision()
    {
        var (job, created) = await Jobs.EnqueueAsync(Job(args: """{"to":"a@b.c"}"""));

        Assert.True(created);
        Assert.True(job.Id > 0);
        Assert.Equal(JobStates.Enqueued, job.State);
        Assert.Equal("default", job.Queue);
        Assert.Equal(T0, job.CreatedAt);
        Assert.Equal(5, job.MaxAttempts);
        Assert.Empty(job.Attempts);

        var read = await Jobs.GetAsync(job.Id);
        Assert.NotNull(read);
        Assert.Equal(job.Revision, read.Revision);
        Assert.Equal("a@b.c", read.Args.GetProperty("to").GetString());
        Assert.Equal(JobStates.Enqueued, read.State);
        Assert.Null(await Jobs.GetAsync(job.Id + 1000));

        var (noArgs, _) = await Jobs.EnqueueAsync(Job());
        Assert.Equal(JsonValueKind.Object, (await Jobs.GetAsync(noArgs.Id))!.Args.ValueKind);
        Assert.NotEqual(job.Id, noArgs.Id);
    }

    [Fact]
    public async Task List_PagesInIdOrder_AndFiltersByStateQueueAndType()
    {
        var ids = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            var queue = i % 2 == 0 ? "even" : "odd";
            ids.Add((await Jobs.EnqueueAsync(Job(type: i < 5 ? "a" : "b", queue: queue))).Job.Id);
        }

        var delayed = (await Jobs.EnqueueAsync(new EnqueueJobDto { Type = "a", DelaySeconds = 60 })).Job;

        var seen = new List<long>();
        long after = 0;
        var pages = 0;
        while (true)
        {
            var page = await Jobs.ListAsync(null, null, null, after, 3);
            seen.AddRange(page.Jobs.Select(j => j.Id));
            pages++;
            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        Assert.Equal([.. ids, delayed.Id], seen);
        Assert.Equal(3, pages);

        var enqueued = await Jobs.ListAsync(JobStates.Enqueued, null, null, 0, 100);
        Assert.Equal(ids, enqueued.Jobs.Select(j => j.Id));
        Assert.Null(enqueued.Next);

        var odd = await Jobs.ListAsync(JobStates.Enqueued, "odd", null, 0, 2);
        Assert.Equal([ids[1], ids[3]], odd.Jobs.Select(j => j.Id));
        var oddRest = await Jobs.ListAsync(JobStates.Enqueued, "odd", null, odd.Next!.Value, 2);
        Assert.Equal([ids[5]], oddRest.Jobs.Select(j => j.Id));
        Assert.Null(oddRest.Next);

        Assert.Equal([ids[5], ids[6]], (await Jobs.ListAsync(JobStates.Enqueued, null, "b", 0, 10)).Jobs.Select(j => j.Id));
        Assert.Equal([ids[4], ids[6]], (await Jobs.ListAsync(null, "even", null, ids[2], 10)).Jobs.Select(j => j.Id));
        Assert.Equal([delayed.Id], (await Jobs.ListAsync(JobStates.Scheduled, null, null, 0, 10)).Jobs.Select(j => j.Id));
        Assert.Empty((await Jobs.ListAsync(JobStates.Failed, null, null, 0, 10)).Jobs);

        var counts = await Jobs.CountAsync();
        Assert.Equal(7, counts[JobStates.Enqueued]);
        Assert.Equal(1, counts[JobStates.Scheduled]);
        Assert.Equal(0, counts[JobStates.Processing]);

        Assert.Contains("limit", Assert.Throws<InvalidArgumentException>(() => Jobs.ListAsync(null, null, null, 0, 0).GetAwaiter().GetResult()).Message);
        Assert.Contains("limit", (await Assert.ThrowsAsync<InvalidArgumentException>(() => Jobs.ListAsync(null, null, null, 0, 1001))).Message);
        Assert.Contains("state", (await Assert.ThrowsAsync<InvalidArgumentException>(() => Jobs.ListAsync("running", null, null, 0, 10))).Message);
    }

    [Fact]
    public async Task IdempotentEnqueue_Twice_GivesOneJob()
    {
        var request = Job(args: """{"n":1}""");
        request.IdempotencyKey = "order-17";
        var (first, created) = await Jobs.EnqueueAsync(request);
        var second = Job(args: """{"n":2}""");
        second.IdempotencyKey = "order-17";
        var (again, createdAgain) = await NewStore("node-2").EnqueueAsync(second);

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(1, again.Args.GetProperty("n").GetInt32());
        Assert.Single((await Jobs.ListAsync(null, null, null, 0, 100)).Jobs);
    }

    [Fact]
    public async Task IdempotentEnqueue_TenAtOnce_GivesOneJob_AndEveryoneGetsIt()
    {
        var stores = new[] { Jobs, NewStore("node-2"), NewStore("node-3") };
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
        {
            var request = Job(args: $$"""{"n":{{i}}}""");
            request.IdempotencyKey = "nightly-2030-01-02";
            return stores[i % stores.Length].EnqueueAsync(request);
        })));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Job.Id).Distinct());
        Assert.Single((await Jobs.ListAsync(null, null, null, 0, 100)).Jobs);
    }

    public static TheoryData<string, string> InvalidEnqueues => new()
    {
        { """{"type":""}""", "type" },
        { """{"type":"has space"}""", "type" },
        { """{"type":"script:"}""", "type" },
        { """{"type":"script:a\u0001b"}""", "type" },
        { """{"type":"x","args":[1,2]}""", "args" },
        { """{"type":"x","args":"text"}""", "args" },
        { """{"type":"x","queue":"a/b"}""", "queue" },
        { """{"type":"x","runAt":"2030-01-02T03:05:00Z","delaySeconds":5}""", "runAt" },
        { """{"type":"x","delaySeconds":-1}""", "delaySeconds" },
        { """{"type":"x","delaySeconds":1e12}""", "delaySeconds" },
        { """{"type":"x","maxAttempts":0}""", "maxAttempts" },
        { """{"type":"x","maxAttempts":101}""", "maxAttempts" },
        { """{"type":"x","timeoutSeconds":0}""", "timeoutSeconds" },
        { """{"type":"x","timeoutSeconds":700000}""", "timeoutSeconds" },
        { """{"type":"x","maxConcurrency":0}""", "maxConcurrency" },
        { """{"type":"x","maxConcurrency":1001}""", "maxConcurrency" },
        { """{"type":"x","idempotencyKey":""}""", "idempotencyKey" },
        { """{"type":"x","idempotencyKey":"a\nb"}""", "idempotencyKey" },
        { """{"type":"x","node":"no/de"}""", "node" },
    };

    [Theory]
    [MemberData(nameof(InvalidEnqueues))]
    public async Task InvalidEnqueue_NamesTheField_AndWritesNothing(string body, string field)
    {
        var request = JsonSerializer.Deserialize<EnqueueJobDto>(body, WireJson.Options)!;

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => Jobs.EnqueueAsync(request));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCountAsync());
    }

    [Fact]
    public async Task ValidTypes_HandlerScriptAndPulzar_AreAccepted()
    {
        foreach (var type in new[] { "send-mail", "reports.daily:v2", "script:backup/nightly.sh", "pulzar:jobs/resize image" })
        {
            Assert.Equal(type, (await Jobs.EnqueueAsync(Job(type))).Job.Type);
        }
    }
}
