using System.Text.Json;
using Cairn.Jobs;

namespace Cairn.Jobs.Tests;

/// <summary>Schedule math and validation (<see cref="JobSchedule"/>): pure, no backend.</summary>
public sealed class ScheduleTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    private static RecurringJobDto Cron(string cron, string? zone = null) => new() { Name = "r", Type = "t", Cron = cron, TimeZone = zone };

    private static RecurringJobDto Every(int every, string unit, DateTimeOffset anchor, bool repeat = true) =>
        new() { Name = "r", Type = "t", Interval = new JobIntervalDto { Unit = unit, Every = every, Repeat = repeat, Anchor = anchor } };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static void Refused(string field, Action action)
    {
        var e = Assert.Throws<InvalidArgumentException>(action);
        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DailyCronInLondon_FiresExactlyOncePerDay_AcrossSpringForward()
    {
        var schedule = JobSchedule.Validate(Cron("30 1 * * *", "Europe/London"));

        var fired = JobSchedule.Occurrences(schedule, Utc("2026-03-28T00:00:00Z"), Utc("2026-04-01T00:00:00Z"), 100);

        // 03-29 01:30 does not exist (01:00 GMT → 02:00 BST): it fires at 02:00 BST, the first instant after the gap.
        Assert.Equal(
            [Utc("2026-03-28T01:30:00Z"), Utc("2026-03-29T01:00:00Z"), Utc("2026-03-30T00:30:00Z"), Utc("2026-03-31T00:30:00Z")],
            fired);
    }

    [Fact]
    public void DailyCronInLondon_FiresExactlyOncePerDay_AcrossFallBack()
    {
        var schedule = JobSchedule.Validate(Cron("30 1 * * *", "Europe/London"));

        var fired = JobSchedule.Occurrences(schedule, Utc("2026-10-24T00:00:00Z"), Utc("2026-10-28T00:00:00Z"), 100);

        // 10-25 01:30 happens twice (02:00 BST → 01:00 GMT): it fires at the first, 01:30 BST, only.
        Assert.Equal(
            [Utc("2026-10-24T00:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z"), Utc("2026-10-27T01:30:00Z")],
            fired);

        // Asked from between the two 01:30s, the next one is the next day's, not the repeated hour's.
        Assert.Equal(Utc("2026-10-26T01:30:00Z"), JobSchedule.NextOccurrence(schedule, Utc("2026-10-25T00:45:00Z")));
    }

    [Fact]
    public void CronWithAWildcardHour_FiresInBothHalvesOfTheRepeatedHour()
    {
        var schedule = JobSchedule.Validate(Cron("30 * * * *", "Europe/London"));

        var fired = JobSchedule.Occurrences(schedule, Utc("2026-10-24T23:00:00Z"), Utc("2026-10-25T02:00:00Z"), 100);

        Assert.Equal([Utc("2026-10-24T23:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-25T01:30:00Z")], fired);
    }

    [Fact]
    public void Cron_IsUtcWithoutAZone_AndSixFieldsHaveSeconds()
    {
        var minutely = JobSchedule.Validate(Cron("  */15   * * * *  "));
        var secondly = JobSchedule.Validate(Cron("*/20 * * * * *"));

        Assert.Equal("*/15 * * * *", minutely.Cron);
        Assert.Equal(Utc("2026-01-01T10:15:00Z"), JobSchedule.NextOccurrence(minutely, Utc("2026-01-01T10:00:00Z")));
        Assert.Equal(
            [Utc("2026-01-01T10:00:20Z"), Utc("2026-01-01T10:00:40Z"), Utc("2026-01-01T10:01:00Z")],
            JobSchedule.Occurrences(secondly, Utc("2026-01-01T10:00:00Z"), Utc("2026-01-01T10:01:00Z"), 10));
        Assert.Equal(TimeSpan.Zero, JobSchedule.NextOccurrence(secondly, Utc("2026-01-01T12:00:00+02:00"))!.Value.Offset);
    }

    [Fact]
    public void Interval_CountsFromItsAnchor_StrictlyAfter()
    {
        var anchor = Utc("2026-01-01T10:00:00Z");
        var every5 = JobSchedule.Validate(Every(5, "minutes", anchor));

        Assert.Equal(anchor.AddMinutes(5), JobSchedule.NextOccurrence(every5, anchor));
        Assert.Equal(anchor.AddMinutes(5), JobSchedule.NextOccurrence(every5, anchor.AddMinutes(-30)));
        Assert.Equal(anchor.AddMinutes(10), JobSchedule.NextOccurrence(every5, anchor.AddMinutes(5)));
        Assert.Equal(anchor.AddMinutes(10), JobSchedule.NextOccurrence(every5, anchor.AddMinutes(9.99)));
        Assert.Equal(
            [anchor.AddMinutes(5), anchor.AddMinutes(10), anchor.AddMinutes(15)],
            JobSchedule.Occurrences(every5, anchor, anchor.AddMinutes(17), 10));
        Assert.Equal(2, JobSchedule.Occurrences(every5, anchor, anchor.AddHours(1), 2).Count);
        Assert.Equal(anchor.AddDays(14), JobSchedule.NextOccurrence(JobSchedule.Validate(Every(2, "weeks", anchor)), anchor));
        Assert.Equal(anchor.AddDays(1), JobSchedule.NextOccurrence(JobSchedule.Validate(Every(1, "DAYS", anchor)), anchor));
    }

    [Theory]
    [InlineData("30 1 * * *", "Europe/London", "2026-03-27T00:00:00Z", "2026-04-02T00:00:00Z")]
    [InlineData("30 1 * * *", "Europe/London", "2026-10-23T00:00:00Z", "2026-10-28T00:00:00Z")]
    [InlineData("*/30 * * * *", "Europe/London", "2026-10-24T22:00:00Z", "2026-10-25T03:00:00Z")]
    [InlineData("*/30 * * * *", "Europe/London", "2026-03-28T22:00:00Z", "2026-03-29T03:00:00Z")]
    [InlineData("15 2 * * *", "Europe/London", "2026-03-27T00:00:00Z", "2026-04-02T00:00:00Z")]
    [InlineData("0 9 * * 1-5", "America/New_York", "2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z")]
    public void LatestOccurrences_WalkBackToTheSameOccurrencesAsForward(string cron, string zone, string from, string to)
    {
        var schedule = JobSchedule.Validate(Cron(cron, zone));
        var forward = JobSchedule.Occurrences(schedule, Utc(from), Utc(to), 1000);

        Assert.Equal(forward, JobSchedule.LatestOccurrences(schedule, Utc(from), Utc(to), 1000));
        Assert.Equal(forward.TakeLast(3), JobSchedule.LatestOccurrences(schedule, Utc(from), Utc(to), 3));
        Assert.Equal(forward.Skip(1), JobSchedule.LatestOccurrences(schedule, forward[0], forward[^1], 1000));
    }

    [Fact]
    public void LatestOccurrences_OfAnInterval()
    {
        var anchor = Utc("2026-01-01T10:00:00Z");
        var every5 = JobSchedule.Validate(Every(5, "minutes", anchor));
        var once = JobSchedule.Validate(Every(5, "minutes", anchor, repeat: false));

        Assert.Equal([anchor.AddMinutes(15), anchor.AddMinutes(20)], JobSchedule.LatestOccurrences(every5, anchor, anchor.AddMinutes(24), 2));
        Assert.Equal(
            JobSchedule.Occurrences(every5, anchor.AddMinutes(-7), anchor.AddMinutes(20), 100),
            JobSchedule.LatestOccurrences(every5, anchor.AddMinutes(-7), anchor.AddMinutes(20), 100));
        Assert.Empty(JobSchedule.LatestOccurrences(every5, anchor, anchor.AddMinutes(4), 10));
        Assert.Empty(JobSchedule.LatestOccurrences(every5, anchor.AddMinutes(5), anchor.AddMinutes(9), 10));
        Assert.Equal([anchor.AddMinutes(5)], JobSchedule.LatestOccurrences(once, anchor, anchor.AddYears(1), 10));
    }

    [Fact]
    public void RunOnceInterval_HasOneOccurrence_OneIntervalAfterItsAnchor()
    {
        var anchor = Utc("2026-01-01T10:00:00Z");
        var once = JobSchedule.Validate(Every(3, "hours", anchor, repeat: false));

        Assert.Equal(anchor.AddHours(3), JobSchedule.NextOccurrence(once, anchor));
        Assert.Null(JobSchedule.NextOccurrence(once, anchor.AddHours(3)));
        Assert.Equal([anchor.AddHours(3)], JobSchedule.Occurrences(once, anchor, anchor.AddDays(10), 10));
    }

    [Fact]
    public void SeedForm_IsReadAsAnInterval()
    {
        var seed = JobSchedule.FromSeed(Json("""{"interval": "minutes", "time_unit": 5, "repeat": 1}"""));
        var asText = JobSchedule.FromSeed(Json("""{"interval": "hours", "time_unit": "24"}"""));
        var once = JobSchedule.FromSeed(Json("""{"interval": "weeks", "time_unit": 1, "repeat": false}"""));
        var zero = JobSchedule.FromSeed(Json("""{"interval": "days", "time_unit": 2, "repeat": 0}"""));

        Assert.Equal(("minutes", 5, true), (seed.Unit, seed.Every, seed.Repeat));
        Assert.Equal(("hours", 24, true), (asText.Unit, asText.Every, asText.Repeat));
        Assert.Equal(("weeks", 1, false), (once.Unit, once.Every, once.Repeat));
        Assert.Equal(("days", 2, false), (zero.Unit, zero.Every, zero.Repeat));
    }

    [Theory]
    [InlineData("""{"interval": "minutes", "time_unit": 0}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": -5}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": "abc"}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": "-5"}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": 1.5}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": null}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes", "time_unit": 99999999}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "minutes"}""", "scheduled.time_unit")]
    [InlineData("""{"interval": "fortnights", "time_unit": 1}""", "scheduled.interval")]
    [InlineData("""{"interval": 5, "time_unit": 1}""", "scheduled.interval")]
    [InlineData("""{"time_unit": 1}""", "scheduled.interval")]
    [InlineData("""{"interval": "minutes", "time_unit": 5, "repeat": 3}""", "scheduled.repeat")]
    [InlineData("""{"interval": "minutes", "time_unit": 5, "repeat": "1"}""", "scheduled.repeat")]
    [InlineData("""{"interval": "minutes", "time_unit": 5, "repeat": null}""", "scheduled.repeat")]
    [InlineData("""{"interval": "minutes", "time_unit": 5, "every": 2}""", "scheduled.every")]
    [InlineData("""[1]""", "scheduled")]
    public void BadSeedForm_IsRefused_NamingTheMember(string json, string field) =>
        Refused(field, () => JobSchedule.FromSeed(Json(json)));

    [Theory]
    [InlineData("61 * * * *", null, "cron")]
    [InlineData("* * *", null, "cron")]
    [InlineData("0 0 * * * * *", null, "cron")]
    [InlineData("every minute", null, "cron")]
    [InlineData("30 1 * * *", "Mars/Olympus_Mons", "timeZone")]
    [InlineData("30 1 * * *", "", "timeZone")]
    public void BadCronOrZone_IsRefused_NamingTheField(string cron, string? zone, string field) =>
        Refused(field, () => JobSchedule.Validate(Cron(cron, zone)));

    [Fact]
    public void BadScheduleShape_IsRefused_NamingTheField()
    {
        var anchor = Utc("2026-01-01T00:00:00Z");
        Refused("cron", () => JobSchedule.Validate(new RecurringJobDto { Name = "r", Type = "t" }));
        Refused("interval", () => JobSchedule.Validate(new RecurringJobDto { Name = "r", Type = "t" }));
        Refused("interval", () => JobSchedule.Validate(new RecurringJobDto
        {
            Name = "r",
            Type = "t",
            Cron = "* * * * *",
            Interval = new JobIntervalDto { Unit = "minutes", Every = 1 },
        }));
        Refused("timeZone", () => JobSchedule.Validate(new RecurringJobDto
        {
            Name = "r",
            Type = "t",
            TimeZone = "Europe/London",
            Interval = new JobIntervalDto { Unit = "minutes", Every = 1 },
        }));
        Refused("interval.unit", () => JobSchedule.Validate(Every(1, "seconds", anchor)));
        Refused("interval.unit", () => JobSchedule.Validate(Every(1, "", anchor)));
        Refused("interval.every", () => JobSchedule.Validate(Every(0, "minutes", anchor)));
        Refused("interval.every", () => JobSchedule.Validate(Every(-5, "minutes", anchor)));
        Refused("interval.every", () => JobSchedule.Validate(Every(522, "weeks", anchor)));
        Assert.Equal(521, JobSchedule.Validate(Every(521, "weeks", anchor)).Interval!.Every);
        Assert.Equal(5_256_000, JobSchedule.Validate(Every(5_256_000, "minutes", anchor)).Interval!.Every);
    }

    [Fact]
    public void AnUnparsableCron_IsRefusedWithCronosReason()
    {
        var e = Assert.Throws<InvalidArgumentException>(() => JobSchedule.Validate(Cron("0 25 * * *")));
        Assert.Contains("'cron'", e.Message, StringComparison.Ordinal);
        Assert.Contains("hour", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
