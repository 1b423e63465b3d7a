using System.Globalization;
using System.Text;
using System.Text.Json;
using Cairn.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Jobs.Tests;

/// <summary>
/// Recurring jobs on every backend: each test gets an empty store and a fake clock shared by its "nodes" (a
/// <see cref="JobStore"/> and <see cref="RecurringJobs"/> each, on the same store).
/// </summary>
/// <param name="backend">The backend under test.</param>
public abstract class RecurringConformance(Backend backend) : IAsyncLifetime
{
    /// <summary>A Monday, on a whole hour.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-recurring-").FullName;
    private IKeyspace? _store;

    private FakeTimeProvider Time { get; set; } = new(T0);

    private IKeyspace Store => _store ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _store = await backend.OpenEmptyAsync(_directory);

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private (JobStore Jobs, RecurringJobs Recurring) Node(
        string id = "node-1", TimeSpan? grace = null, int maxMisfires = 100, TimeSpan? retention = null, TimeProvider? clock = null)
    {
        var options = new JobsOptions
        {
            Time = clock ?? Time,
            NodeId = id,
            MisfireGrace = grace ?? TimeSpan.FromMinutes(1),
            MaxMisfires = maxMisfires,
            Retention = retention ?? TimeSpan.FromDays(7),
        };
        var jobs = new JobStore(Store, options);
        return (jobs, new RecurringJobs(jobs));
    }

    private static RecurringJobDto Spec(string name, string? cron = null, JobIntervalDto? interval = null, string? misfire = null, bool? noOverlap = null) =>
        new() { Name = name, Type = "report", Args = JsonDocument.Parse("""{"n":1}""").RootElement.Clone(), Cron = cron, Interval = interval, Misfire = misfire, NoOverlap = noOverlap };

    private static RecurringJobDto With(RecurringJobDto spec, Action<RecurringJobDto> change)
    {
        change(spec);
        return spec;
    }

    /// <summary>Every job the recurring job <paramref name="name"/> made, by id.</summary>
    private static async Task<List<JobDto>> JobsOfAsync(JobStore jobs, string name)
    {
        var all = new List<JobDto>();
        var after = 0L;
        while (true)
        {
            var page = await jobs.ListAsync(null, null, null, after, 1000);
            all.AddRange(page.Jobs);
            if (page.Next is not { } next)
            {
                break;
            }

            after = next;
        }

        return all.Where(j => j.Recurring == name).OrderBy(j => j.Id).ToList();
    }

    private async Task<Dictionary<DateTimeOffset, string>> MarkersAsync(string name)
    {
        var prefix = "/cairn/jobs/fired/" + name + "/";
        var result = await Store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)));
        return result.Kvs.ToDictionary(
            kv => DateTimeOffset.ParseExact(kv.Key[prefix.Length..], "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            kv => Encoding.UTF8.GetString(kv.Value.Span));
    }

    private async Task<long> KeyCountAsync() =>
        (await Store.RangeAsync(new RangeRequest(KeyRange.Prefix("/cairn/jobs/")) { CountOnly = true })).Count;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task SeveralNodesRunning_FireEachOccurrenceOfAMinutelyJobExactlyOnce(int count)
    {
        var nodes = Enumerable.Range(1, count).Select(i => Node($"node-{i}")).ToList();
        await nodes[0].Recurring.UpsertAsync(Spec("minutely", cron: "* * * * *", noOverlap: false));
        using var stop = new CancellationTokenSource();
        var running = nodes.Select(n => Task.Run(() => n.Recurring.RunAsync(stop.Token))).ToList();
        try
        {
            for (var i = 1; i <= 30; i++)
            {
                Time.Advance(TimeSpan.FromMinutes(1));
                var occurrence = T0.AddMinutes(i);
                await Eventually.UntilAsync(
                    async () => (await JobsOfAsync(nodes[i % count].Jobs, "minutely")).Any(j => j.Occurrence == occurrence),
                    Deadline, $"occurrence {i} ({occurrence:O}) has its job");
            }

            // Give any node that would fire twice the chance to: every node looks once more at an unchanged definition.
            await nodes[0].Recurring.FireDueAsync();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }

        var jobs = await JobsOfAsync(nodes[0].Jobs, "minutely");
        Assert.Equal(30, jobs.Count);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (DateTimeOffset?)T0.AddMinutes(i)), jobs.Select(j => j.Occurrence).Order());
        Assert.All(jobs, j => Assert.Equal(JobStates.Enqueued, j.State));
        var definition = await nodes[0].Recurring.GetAsync("minutely");
        Assert.Equal(30, definition!.Fired);
        Assert.Equal(T0.AddMinutes(31), definition.NextAt);
        Assert.Equal(T0.AddMinutes(30), definition.LastOccurrence);
        Assert.Equal(jobs.Single(j => j.Occurrence == T0.AddMinutes(30)).Id, definition.LastJob);
        var markers = await MarkersAsync("minutely");
        Assert.Equal(30, markers.Count);
        Assert.Equal(jobs.Select(j => j.Id.ToString(CultureInfo.InvariantCulture)).Order(), markers.Values.Order());
    }

    [Fact]
    public async Task SeveralNodesCatchingUpAtOnce_FireEachMissedOccurrenceExactlyOnce()
    {
        var nodes = Enumerable.Range(1, 4).Select(i => Node($"node-{i}")).ToList();
        await nodes[0].Recurring.UpsertAsync(Spec("catch-up", cron: "* * * * *", misfire: "all", noOverlap: false));

        // Down until 10:41:30: 40 missed occurrences (10:01 … 10:40) and one on time (10:41), more than one transaction
        // handles, fired by four nodes at once.
        Time.Advance(TimeSpan.FromMinutes(41) + TimeSpan.FromSeconds(30));
        var made = await Task.WhenAll(nodes.Select(n => Task.Run(() => n.Recurring.FireDueAsync())));

        var jobs = await JobsOfAsync(nodes[0].Jobs, "catch-up");
        Assert.Equal(41, made.Sum());
        Assert.Equal(Enumerable.Range(1, 41).Select(i => (DateTimeOffset?)T0.AddMinutes(i)), jobs.Select(j => j.Occurrence).Order());
        Assert.Equal(T0.AddMinutes(42), (await nodes[0].Recurring.GetAsync("catch-up"))!.NextAt);
    }

    [Theory]
    [InlineData("once", new[] { 15 })]
    [InlineData("skip", new int[0])]
    [InlineData("all", new[] { 5, 10, 15 })]
    public async Task AfterDowntimeOfThreeOccurrences_TheMisfirePolicyDecidesWhatRuns(string misfire, int[] expected)
    {
        var (jobs, recurring) = Node();
        await recurring.UpsertAsync(Spec("every5", cron: "*/5 * * * *", misfire: misfire, noOverlap: false));

        // Nobody runs the scheduler through 10:05, 10:10 and 10:15, and past the grace after the last of them.
        Time.Advance(TimeSpan.FromMinutes(16) + TimeSpan.FromSeconds(1));
        var made = await recurring.FireDueAsync();

        var fired = await JobsOfAsync(jobs, "every5");
        Assert.Equal(expected.Length, made);
        Assert.Equal(expected.Select(m => (DateTimeOffset?)T0.AddMinutes(m)), fired.Select(j => j.Occurrence));
        var definition = await recurring.GetAsync("every5");
        Assert.Equal(T0.AddMinutes(20), definition!.NextAt);
        Assert.Equal(expected.Length, definition.Fired);
        Assert.Equal(0, await recurring.FireDueAsync());
    }

    [Fact]
    public async Task AllMisfires_AreCappedAtMaxMisfires_KeepingTheLatest()
    {
        var (jobs, recurring) = Node(maxMisfires: 20);
        await recurring.UpsertAsync(Spec("capped", cron: "* * * * *", misfire: "all", noOverlap: false));

        Time.Advance(TimeSpan.FromMinutes(51) + TimeSpan.FromSeconds(30));
        Assert.Equal(21, await recurring.FireDueAsync());

        // Missed: 10:01 … 10:50 (10:51 is within the grace and fires on time): the latest 20 missed, then 10:51.
        var fired = await JobsOfAsync(jobs, "capped");
        Assert.Equal(Enumerable.Range(31, 21).Select(i => (DateTimeOffset?)T0.AddMinutes(i)), fired.Select(j => j.Occurrence));
    }

    [Fact]
    public async Task AllMisfiresWithNoOverlap_RunOnlyTheFirst_AndMarkTheOthersSkipped()
    {
        var (jobs, recurring) = Node();
        await recurring.UpsertAsync(Spec("careful", cron: "*/5 * * * *", misfire: "all"));

        Time.Advance(TimeSpan.FromMinutes(16) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await recurring.FireDueAsync());

        var job = Assert.Single(await JobsOfAsync(jobs, "careful"));
        Assert.Equal(T0.AddMinutes(5), job.Occurrence);
        var markers = await MarkersAsync("careful");
        Assert.Equal(job.Id.ToString(CultureInfo.InvariantCulture), markers[T0.AddMinutes(5)]);
        Assert.Equal("0", markers[T0.AddMinutes(10)]);
        Assert.Equal("0", markers[T0.AddMinutes(15)]);
    }

    [Fact]
    public async Task NoOverlap_SkipsOccurrencesWhileThePreviousRunIsUnfinished()
    {
        var (jobs, recurring) = Node();
        await recurring.UpsertAsync(Spec("exclusive", cron: "* * * * *"));

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await recurring.FireDueAsync());
        var first = Assert.Single(await JobsOfAsync(jobs, "exclusive"));

        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await recurring.FireDueAsync());
        var definition = await recurring.GetAsync("exclusive");
        Assert.Equal(T0.AddMinutes(2), definition!.LastOccurrence);
        Assert.Equal(first.Id, definition.LastJob);
        Assert.Equal(1, definition.Fired);
        Assert.Equal("0", (await MarkersAsync("exclusive"))[T0.AddMinutes(2)]);

        await jobs.CancelAsync(first.Id);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await recurring.FireDueAsync());

        var fired = await JobsOfAsync(jobs, "exclusive");
        Assert.Equal([T0.AddMinutes(1), T0.AddMinutes(3)], fired.Select(j => j.Occurrence!.Value));
    }

    [Fact]
    public async Task DailyCronInLondon_FiresOncePerDay_AcrossBothDaylightSavingChanges()
    {
        DateTimeOffset[] spring = [Utc("2026-03-28T01:30:00Z"), Utc("2026-03-29T01:00:00Z"), Utc("2026-03-30T00:30:00Z"), Utc("2026-03-31T00:30:00Z")];
        DateTimeOffset[] autumn = [Utc("2026-10-24T00:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z"), Utc("2026-10-27T01:30:00Z")];
        foreach (var (name, start, expected) in new[] { ("spring", Utc("2026-03-27T12:00:00Z"), spring), ("autumn", Utc("2026-10-23T12:00:00Z"), autumn) })
        {
            Time = new FakeTimeProvider(start);

            // Stepping half an hour at a time: a grace of an hour keeps every firing on time.
            var (jobs, recurring) = Node(grace: TimeSpan.FromHours(1));
            await recurring.UpsertAsync(new RecurringJobDto { Name = name, Type = "report", Cron = "30 1 * * *", TimeZone = "Europe/London", NoOverlap = false });
            var made = 0;
            for (var step = 0; step < 4 * 48 + 24; step++)
            {
                Time.Advance(TimeSpan.FromMinutes(30));
                made += await recurring.FireDueAsync();
            }

            var fired = await JobsOfAsync(jobs, name);
            Assert.Equal(expected, fired.Select(j => j.Occurrence!.Value));
            Assert.Equal(4, made);
            Assert.True(await recurring.DeleteAsync(name));
            Assert.All(fired.Zip(expected), p => Assert.InRange(p.First.CreatedAt, p.Second, p.Second.AddMinutes(30)));
        }
    }

    [Fact]
    public async Task SeedInterval_FiresEveryFiveMinutesFromItsCreation()
    {
        var (jobs, recurring) = Node();
        Time.Advance(TimeSpan.FromSeconds(20.5));
        var interval = JobSchedule.FromSeed(JsonDocument.Parse("""{"interval": "minutes", "time_unit": 5, "repeat": 1}""").RootElement);
        var (created, isNew) = await recurring.UpsertAsync(Spec("seed", interval: interval, noOverlap: false));

        var anchor = T0.AddSeconds(20);
        Assert.True(isNew);
        Assert.Equal(anchor, created.Interval!.Anchor);
        Assert.Equal(anchor.AddMinutes(5), created.NextAt);

        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await recurring.FireDueAsync());
        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await recurring.FireDueAsync());
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await recurring.FireDueAsync());

        Assert.Equal([anchor.AddMinutes(5), anchor.AddMinutes(10)], (await JobsOfAsync(jobs, "seed")).Select(j => j.Occurrence!.Value));
        Assert.Equal(anchor.AddMinutes(15), (await recurring.GetAsync("seed"))!.NextAt);

        // The same interval again keeps its anchor (and its history); another one starts from now.
        Time.Advance(TimeSpan.FromMinutes(1));
        var (same, sameIsNew) = await recurring.UpsertAsync(Spec("seed", interval: interval, noOverlap: false));
        Assert.False(sameIsNew);
        Assert.Equal(anchor, same.Interval!.Anchor);
        Assert.Equal(anchor.AddMinutes(15), same.NextAt);
        Assert.Equal(2, same.Fired);
        Assert.Equal(T0, same.CreatedAt.AddSeconds(-20.5));
        var (other, _) = await recurring.UpsertAsync(Spec("seed", interval: new JobIntervalDto { Unit = "minutes", Every = 7 }));
        Assert.Equal(Time.GetUtcNow().AddTicks(-(Time.GetUtcNow().UtcTicks % TimeSpan.TicksPerSecond)), other.Interval!.Anchor);
    }

    [Fact]
    public async Task RunOnceInterval_FiresOnce_ThenHasNoNextOccurrence()
    {
        var (jobs, recurring) = Node();
        var interval = JobSchedule.FromSeed(JsonDocument.Parse("""{"interval": "hours", "time_unit": "2", "repeat": 0}""").RootElement);
        var (created, _) = await recurring.UpsertAsync(Spec("once", interval: interval));
        Assert.Equal(T0.AddHours(2), created.NextAt);

        Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await recurring.FireDueAsync());
        Assert.Null((await recurring.GetAsync("once"))!.NextAt);

        Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal(0, await recurring.FireDueAsync());
        Assert.Equal([T0.AddHours(2)], (await JobsOfAsync(jobs, "once")).Select(j => j.Occurrence!.Value));
    }

    [Fact]
    public async Task RunningScheduler_PicksUpANewDefinitionAtOnce()
    {
        var clock = new ObservedTimeProvider(Time);
        var (jobs, recurring) = Node(clock: clock);
        await recurring.UpsertAsync(Spec("noon", cron: "0 12 * * *"));
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => recurring.RunAsync(stop.Token));
        try
        {
            // The loop sleeps until noon; a definition due at 10:01 wakes it (the watch), and it sleeps until then instead.
            await Eventually.UntilAsync(() => clock.TimersCreated >= 1, Deadline, "the loop sleeps until noon");
            var timers = clock.TimersCreated;
            await recurring.UpsertAsync(Spec("soon", cron: "* * * * *"));
            await Eventually.UntilAsync(() => clock.TimersCreated > timers, Deadline, "the loop sleeps again");
            Time.Advance(TimeSpan.FromMinutes(1));
            await Eventually.UntilAsync(async () => (await JobsOfAsync(jobs, "soon")).Count == 1, Deadline, "the new definition fired");
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        Assert.Equal(T0.AddMinutes(1), Assert.Single(await JobsOfAsync(jobs, "soon")).Occurrence);
        Assert.Empty(await JobsOfAsync(jobs, "noon"));
    }

    [Fact]
    public async Task Trigger_EnqueuesARunNow_OutsideTheSchedule()
    {
        var (jobs, recurring) = Node();
        var (created, _) = await recurring.UpsertAsync(Spec("manual", cron: "0 3 * * *"));
        Time.Advance(TimeSpan.FromSeconds(5));

        var job = await recurring.TriggerAsync("manual");

        Assert.Equal("manual", job.Recurring);
        Assert.Null(job.Occurrence);
        Assert.Equal(JobStates.Enqueued, job.State);
        Assert.Equal("report", job.Type);
        Assert.Equal(1, job.Args.GetProperty("n").GetInt32());
        Assert.Equal(job.Id, (await jobs.GetAsync(job.Id))!.Id);
        var definition = await recurring.GetAsync("manual");
        Assert.Equal(created.NextAt, definition!.NextAt);
        Assert.Equal(job.Id, definition.LastJob);
        Assert.Equal(1, definition.Fired);
        await Assert.ThrowsAsync<NotFoundException>(() => recurring.TriggerAsync("nobody"));
    }

    [Fact]
    public async Task GetListDelete_AndFoldForgetsOldMarkers()
    {
        var (_, recurring) = Node(retention: TimeSpan.FromHours(1));
        var (a, created) = await recurring.UpsertAsync(Spec("a", cron: "* * * * *"));
        await recurring.UpsertAsync(With(Spec("b", cron: "*/10 * * * *", noOverlap: false), s => s.TimeZone = "America/New_York"));
        Assert.True(created);
        Assert.True(a.Revision > 0);
        Assert.Equal("once", a.Misfire);
        Assert.True(a.NoOverlap);
        Assert.Equal(T0, a.CreatedAt);
        Assert.Equal(a.Revision, (await recurring.GetAsync("a"))!.Revision);
        Assert.Null(await recurring.GetAsync("c"));

        var (replaced, again) = await recurring.UpsertAsync(Spec("a", cron: "*/2 * * * *"));
        Assert.False(again);
        Assert.True(replaced.Revision > a.Revision);
        Assert.Equal(T0.AddMinutes(2), replaced.NextAt);
        var list = await recurring.ListAsync();
        Assert.Equal(["a", "b"], list.Select(r => r.Name));
        Assert.Equal(replaced.Revision, list[0].Revision);
        Assert.Equal("*/2 * * * *", list[0].Cron);
        Assert.Equal("America/New_York", list[1].TimeZone);

        Assert.True(await recurring.DeleteAsync("a"));
        Assert.False(await recurring.DeleteAsync("a"));
        Assert.Equal(["b"], (await recurring.ListAsync()).Select(r => r.Name));
        for (var i = 0; i < 6; i++)
        {
            Time.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(1, await recurring.FireDueAsync());
        }

        // Markers of 10:10 … 11:00; at 11:35, those more than an hour old (10:10, 10:20, 10:30) go.
        Assert.Equal(6, (await MarkersAsync("b")).Count);
        Time.Advance(TimeSpan.FromMinutes(35));
        Assert.Equal(3, await recurring.FoldAsync());
        Assert.Equal([T0.AddMinutes(40), T0.AddMinutes(50), T0.AddMinutes(60)], (await MarkersAsync("b")).Keys.Order());

        Assert.True(await recurring.DeleteAsync("b"));
        Assert.Empty(await MarkersAsync("b"));
        Assert.Empty(await recurring.ListAsync());
    }

    public static TheoryData<string, string> BadInput => new()
    {
        { "cron", "61 * * * *" },
        { "cron", "* * *" },
        { "timeZone", "zone" },
        { "cron", "neither" },
        { "interval", "both" },
        { "timeZone", "interval-with-zone" },
        { "interval.unit", "unit" },
        { "interval.every", "every0" },
        { "interval.every", "every-5" },
        { "scheduled.time_unit", "seed0" },
        { "scheduled.time_unit", "seed-5" },
        { "scheduled.time_unit", "seed-abc" },
        { "scheduled.repeat", "seed-repeat" },
        { "misfire", "misfire" },
        { "name", "name" },
        { "name", "empty-name" },
        { "type", "type" },
        { "maxAttempts", "attempts" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task BadInput_IsRefusedNamingTheField_AndNothingIsWritten(string field, string what)
    {
        var (_, recurring) = Node();
        var every = new JobIntervalDto { Unit = "minutes", Every = 5 };
        JobIntervalDto Seed(string json) => JobSchedule.FromSeed(JsonDocument.Parse(json).RootElement);
        Func<RecurringJobDto> spec = what switch
        {
            "61 * * * *" or "* * *" => () => Spec("bad", cron: what),
            "zone" => () => With(Spec("bad", cron: "30 1 * * *"), s => s.TimeZone = "Europe/Atlantis"),
            "neither" => () => Spec("bad"),
            "both" => () => Spec("bad", cron: "* * * * *", interval: every),
            "interval-with-zone" => () => With(Spec("bad", interval: every), s => s.TimeZone = "Europe/London"),
            "unit" => () => Spec("bad", interval: new JobIntervalDto { Unit = "fortnights", Every = 1 }),
            "every0" => () => Spec("bad", interval: new JobIntervalDto { Unit = "hours", Every = 0 }),
            "every-5" => () => Spec("bad", interval: new JobIntervalDto { Unit = "hours", Every = -5 }),
            "seed0" => () => Spec("bad", interval: Seed("""{"interval": "minutes", "time_unit": 0}""")),
            "seed-5" => () => Spec("bad", interval: Seed("""{"interval": "minutes", "time_unit": -5}""")),
            "seed-abc" => () => Spec("bad", interval: Seed("""{"interval": "minutes", "time_unit": "abc"}""")),
            "seed-repeat" => () => Spec("bad", interval: Seed("""{"interval": "minutes", "time_unit": 5, "repeat": 2}""")),
            "misfire" => () => Spec("bad", cron: "* * * * *", misfire: "sometimes"),
            "name" => () => Spec("bad/name", cron: "* * * * *"),
            "empty-name" => () => Spec("", cron: "* * * * *"),
            "type" => () => With(Spec("bad", cron: "* * * * *"), s => s.Type = ""),
            "attempts" => () => With(Spec("bad", cron: "* * * * *"), s => s.MaxAttempts = 0),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };

        var e = await Assert.ThrowsAsync<InvalidArgumentException>(async () => await recurring.UpsertAsync(spec()));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCountAsync());
        Assert.Empty(await recurring.ListAsync());
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToUniversalTime();
}
