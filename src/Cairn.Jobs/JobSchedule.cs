using System.Globalization;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cronos;

namespace Cairn.Jobs;

/// <summary>
/// The schedule of a recurring job, as pure functions of its definition and a time (no keyspace, no clock): validation
/// and normalisation of <see cref="RecurringJobDto"/>'s schedule, the seed's <c>"scheduled"</c> form, and when it fires.
/// Every node computes the same occurrences from the same definition, which is what lets them agree on which occurrence a
/// firing is for (its <c>fired/</c> marker).
/// </summary>
/// <remarks>
/// <para>A cron schedule is read in its time zone (IANA id; UTC when absent) by Cronos, so it follows the zone's
/// daylight-saving changes as a wall clock does. Each day's time fires exactly once, including on the two change
/// days. For <c>30 1 * * *</c> in <c>Europe/London</c> in 2026:</para>
/// <list type="bullet">
/// <item>Spring forward, Sunday 2026-03-29: clocks jump from 01:00 GMT to 02:00 BST, so 01:30 does not exist that day.
/// The occurrence is not dropped: it fires at the first instant after the gap, 02:00 BST = <c>2026-03-29T01:00:00Z</c>.
/// The days around it: 2026-03-28 01:30 GMT = <c>2026-03-28T01:30:00Z</c>; 2026-03-30 01:30 BST =
/// <c>2026-03-30T00:30:00Z</c>; 2026-03-31 = <c>2026-03-31T00:30:00Z</c>.</item>
/// <item>Fall back, Sunday 2026-10-25: clocks go back from 02:00 BST to 01:00 GMT, so 01:30 happens twice. It fires
/// once, at the first of them, 01:30 BST = <c>2026-10-25T00:30:00Z</c>; the second 01:30 (GMT, <c>01:30Z</c>) is not
/// an occurrence. The days around it: 2026-10-24 01:30 BST = <c>2026-10-24T00:30:00Z</c>; 2026-10-26 01:30 GMT =
/// <c>2026-10-26T01:30:00Z</c>; 2026-10-27 = <c>2026-10-27T01:30:00Z</c>.</item>
/// </list>
/// <para>(Cronos treats an expression whose hour field is a wildcard or a step, such as <c>*/30 * * * *</c>, as an
/// interval in the ambiguous hour and fires in both of its halves: there the wall clock really does pass those times
/// twice.)</para>
/// <para>An interval schedule (the seed's form) counts exact UTC durations from its anchor (the instant it was made): a
/// day is 24 hours and a week 168, whatever the zone's clocks do, which is why an interval takes no time zone.</para>
/// </remarks>
public static class JobSchedule
{
    /// <summary>Interval units, as the seed names them.</summary>
    public static readonly IReadOnlyList<string> Units = ["minutes", "hours", "days", "weeks"];

    /// <summary>The longest interval: ten years (3650 days) in any unit. Longer ones are almost certainly a mistake,
    /// and the bound keeps the arithmetic far from overflow.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(3650);

    /// <summary>
    /// Checks a recurring job's schedule and returns a copy of <paramref name="spec"/> with it normalised: the cron
    /// expression's fields single-spaced, the interval's unit in lower case. Exactly one of <see cref="RecurringJobDto.Cron"/>
    /// and <see cref="RecurringJobDto.Interval"/> must be given; a time zone goes only with a cron expression. The other
    /// fields are copied unchecked.
    /// </summary>
    /// <exception cref="InvalidArgumentException">The schedule is invalid; the message names the field (<c>cron</c>,
    /// <c>interval</c>, <c>timeZone</c>, <c>interval.unit</c>, <c>interval.every</c>).</exception>
    public static RecurringJobDto Validate(RecurringJobDto spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var copy = Copy(spec);
        if (spec.Cron is null == spec.Interval is null)
        {
            throw new InvalidArgumentException(spec.Cron is null
                ? "A recurring job needs a schedule: give 'cron' (a cron expression) or 'interval'."
                : "Give either 'cron' or 'interval', not both.");
        }

        if (spec.Cron is not null)
        {
            copy.Cron = ParseCron(spec.Cron).Text;
            if (spec.TimeZone is not null)
            {
                _ = FindZone(spec.TimeZone);
            }
        }
        else
        {
            if (spec.TimeZone is not null)
            {
                throw new InvalidArgumentException(
                    "'timeZone' goes only with 'cron': an interval counts exact UTC durations from when it was made.");
            }

            copy.Interval = ValidateInterval(spec.Interval!, "interval.unit", "interval.every");
        }

        return copy;
    }

    /// <summary>
    /// Reads the seed's (Pulzar's) schedule, the <c>"scheduled"</c> member of a job body:
    /// <c>{"interval": "minutes|hours|days|weeks", "time_unit": N, "repeat": R}</c>.
    /// </summary>
    /// <remarks>
    /// <para><c>time_unit</c> is a positive whole number, or a string of one (<c>"5"</c>: the seed's own status answer
    /// gives it as a string).</para>
    /// <para><c>repeat</c> is read as a flag. The seed's README shows <c>"repeat": 1</c> beside "Launch a job every 5
    /// minutes" and says nothing more about it, so <c>1</c> (or <c>true</c>, or no <c>repeat</c> at all) means run every
    /// interval until the job is removed, and <c>0</c> (or <c>false</c>) means run once, one interval after it was made.
    /// Other values (a count such as <c>3</c>, a string) are refused rather than guessed at.</para>
    /// </remarks>
    /// <exception cref="InvalidArgumentException">Not of that shape; the message names the member
    /// (<c>scheduled.interval</c>, <c>scheduled.time_unit</c>, <c>scheduled.repeat</c>, or an unknown one).</exception>
    public static JobIntervalDto FromSeed(JsonElement scheduled)
    {
        if (scheduled.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidArgumentException(
                "'scheduled' must be an object such as {\"interval\": \"minutes\", \"time_unit\": 5, \"repeat\": 1}.");
        }

        string? unit = null;
        int? every = null;
        var repeat = true;
        foreach (var member in scheduled.EnumerateObject())
        {
            switch (member.Name)
            {
                case "interval":
                    unit = member.Value.ValueKind == JsonValueKind.String
                        ? member.Value.GetString()
                        : throw new InvalidArgumentException(
                            $"'scheduled.interval' must be one of {string.Join(", ", Units)}; got {Show(member.Value)}.");
                    break;
                case "time_unit":
                    every = SeedTimeUnit(member.Value);
                    break;
                case "repeat":
                    repeat = member.Value switch
                    {
                        { ValueKind: JsonValueKind.True } => true,
                        { ValueKind: JsonValueKind.False } => false,
                        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var r) && r is 0 or 1 => r == 1,
                        _ => throw new InvalidArgumentException(
                            $"'scheduled.repeat' must be 1 (or true: run every interval) or 0 (or false: run once); got {Show(member.Value)}."),
                    };
                    break;
                default:
                    throw new InvalidArgumentException(
                        $"'scheduled.{member.Name}' is not a member of 'scheduled' (it has 'interval', 'time_unit' and 'repeat').");
            }
        }

        if (unit is null)
        {
            throw new InvalidArgumentException($"'scheduled.interval' is missing: give one of {string.Join(", ", Units)}.");
        }

        if (every is null)
        {
            throw new InvalidArgumentException("'scheduled.time_unit' is missing: give how many units between runs.");
        }

        return ValidateInterval(new JobIntervalDto { Unit = unit, Every = every.Value, Repeat = repeat },
            "scheduled.interval", "scheduled.time_unit");
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="after"/> (UTC), or null when there is none (a run-once
    /// interval whose one run is not after it, or a cron expression that never matches again, such as 30 February).
    /// </summary>
    /// <param name="schedule">A definition whose schedule passed <see cref="Validate"/>; an interval needs its
    /// <see cref="JobIntervalDto.Anchor"/>.</param>
    /// <param name="after">Exclusive lower bound.</param>
    /// <remarks>An interval's occurrences are <c>anchor + k·every</c> for k ≥ 1 (not the anchor itself: the first run
    /// is one interval after the job was made); a run-once interval has only <c>anchor + every</c>.</remarks>
    public static DateTimeOffset? NextOccurrence(RecurringJobDto schedule, DateTimeOffset after)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (schedule.Cron is not null)
        {
            var cron = ParseCron(schedule.Cron).Expression;
            var zone = schedule.TimeZone is null ? TimeZoneInfo.Utc : FindZone(schedule.TimeZone);
            var next = cron.GetNextOccurrence(after.UtcDateTime, zone, inclusive: false);
            return next is { } n ? new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) : null;
        }

        var interval = schedule.Interval ?? throw new ArgumentException("The schedule has neither a cron expression nor an interval.", nameof(schedule));
        var anchor = interval.Anchor ?? throw new ArgumentException("An interval schedule needs its anchor.", nameof(schedule));
        var step = Length(interval).Ticks;
        var first = anchor.UtcTicks + step;
        long ticks;
        if (after.UtcTicks < first)
        {
            ticks = first;
        }
        else if (!interval.Repeat)
        {
            return null;
        }
        else
        {
            // The k with anchor + k·step > after: k = floor((after - anchor) / step) + 1.
            var k = ((after.UtcTicks - anchor.UtcTicks) / step) + 1;
            if (k > (DateTimeOffset.MaxValue.UtcTicks - anchor.UtcTicks) / step)
            {
                return null;
            }

            ticks = anchor.UtcTicks + (k * step);
        }

        return ticks <= DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>The occurrences in (<paramref name="afterExclusive"/>, <paramref name="untilInclusive"/>], oldest first,
    /// at most <paramref name="max"/> of them (the oldest ones).</summary>
    public static IReadOnlyList<DateTimeOffset> Occurrences(RecurringJobDto schedule, DateTimeOffset afterExclusive, DateTimeOffset untilInclusive, int max)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var result = new List<DateTimeOffset>();
        var at = afterExclusive;
        while (result.Count < max && NextOccurrence(schedule, at) is { } next && next <= untilInclusive)
        {
            result.Add(next);
            at = next;
        }

        return result;
    }

    /// <summary>The latest occurrences in (<paramref name="afterExclusive"/>, <paramref name="untilInclusive"/>], at most
    /// <paramref name="max"/> of them, oldest first. Walks back from <paramref name="untilInclusive"/>, so it costs
    /// <paramref name="max"/> steps however many occurrences the span holds (a long downtime of a frequent schedule).</summary>
    public static IReadOnlyList<DateTimeOffset> LatestOccurrences(RecurringJobDto schedule, DateTimeOffset afterExclusive, DateTimeOffset untilInclusive, int max)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        var result = new List<DateTimeOffset>();
        if (schedule.Cron is not null)
        {
            var cron = ParseCron(schedule.Cron).Expression;
            var zone = schedule.TimeZone is null ? TimeZoneInfo.Utc : FindZone(schedule.TimeZone);
            // Walking back, Cronos lands on the last instant before a daylight-saving gap (00:59:59 for a 01:30 that
            // does not exist) where walking forward it fires at the gap's end (01:00 UTC): each instant found is mapped
            // to the forward occurrence at or after it, so both directions agree on what the occurrences are.
            var at = cron.GetPreviousOccurrence(untilInclusive.UtcDateTime, zone, inclusive: true);
            while (result.Count < max && at is { } p && p > afterExclusive.UtcDateTime)
            {
                if (cron.GetNextOccurrence(p, zone, inclusive: true) is { } f &&
                    new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc)) is var o && o <= untilInclusive &&
                    (result.Count == 0 || result[^1] != o))
                {
                    result.Add(o);
                }

                at = cron.GetPreviousOccurrence(p, zone, inclusive: false);
            }
        }
        else
        {
            var interval = schedule.Interval ?? throw new ArgumentException("The schedule has neither a cron expression nor an interval.", nameof(schedule));
            var anchor = interval.Anchor ?? throw new ArgumentException("An interval schedule needs its anchor.", nameof(schedule));
            var step = Length(interval).Ticks;
            if (untilInclusive.UtcTicks >= anchor.UtcTicks + step)
            {
                for (var k = interval.Repeat ? (untilInclusive.UtcTicks - anchor.UtcTicks) / step : 1; k >= 1 && result.Count < max; k--)
                {
                    var o = new DateTimeOffset(anchor.UtcTicks + (k * step), TimeSpan.Zero);
                    if (o <= afterExclusive)
                    {
                        break;
                    }

                    result.Add(o);
                }
            }
        }

        result.Reverse();
        return result;
    }

    /// <summary>The length of one interval.</summary>
    public static TimeSpan Length(JobIntervalDto interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        var unit = interval.Unit switch
        {
            "minutes" => TimeSpan.FromMinutes(1),
            "hours" => TimeSpan.FromHours(1),
            "days" => TimeSpan.FromDays(1),
            "weeks" => TimeSpan.FromDays(7),
            _ => throw new ArgumentException($"Unknown interval unit '{interval.Unit}'.", nameof(interval)),
        };
        return unit * interval.Every;
    }

    /// <summary>Whether two interval schedules are the same schedule (unit, length, repeat; not the anchor).</summary>
    internal static bool SameInterval(JobIntervalDto? a, JobIntervalDto? b) =>
        a is not null && b is not null && a.Unit == b.Unit && a.Every == b.Every && a.Repeat == b.Repeat;

    private static JobIntervalDto ValidateInterval(JobIntervalDto interval, string unitField, string everyField)
    {
        var unit = interval.Unit?.Trim().ToLowerInvariant() ?? "";
        if (!Units.Contains(unit))
        {
            throw new InvalidArgumentException(
                $"'{unitField}' must be one of {string.Join(", ", Units)}; got '{interval.Unit}'.");
        }

        var normal = new JobIntervalDto { Unit = unit, Every = 1, Repeat = interval.Repeat, Anchor = interval.Anchor };
        var most = (int)(MaxInterval / Length(normal));
        if (interval.Every < 1 || interval.Every > most)
        {
            throw new InvalidArgumentException(
                $"'{everyField}' must be a whole number of {unit} from 1 to {most} (ten years); got {interval.Every}.");
        }

        normal.Every = interval.Every;
        return normal;
    }

    private static int SeedTimeUnit(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n > 0)
        {
            return n;
        }

        if (value.ValueKind == JsonValueKind.String &&
            int.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0)
        {
            return s;
        }

        throw new InvalidArgumentException(
            $"'scheduled.time_unit' must be a positive whole number (or a string of one, such as \"5\"); got {Show(value)}.");
    }

    /// <summary>Parses a cron expression: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first,
    /// or a Cronos macro such as <c>@daily</c>.</summary>
    private static (CronExpression Expression, string Text) ParseCron(string cron)
    {
        var fields = cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var text = string.Join(' ', fields);
        CronFormat format;
        if (fields.Length == 6)
        {
            format = CronFormat.IncludeSeconds;
        }
        else if (fields.Length == 5 || (fields.Length == 1 && fields[0].StartsWith('@')))
        {
            format = CronFormat.Standard;
        }
        else
        {
            throw new InvalidArgumentException(
                $"'cron' must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); '{cron}' has {fields.Length}.");
        }

        try
        {
            return (CronExpression.Parse(text, format), text);
        }
        catch (CronFormatException e)
        {
            throw new InvalidArgumentException($"'cron' is not a valid cron expression: {e.Message}");
        }
    }

    private static TimeZoneInfo FindZone(string id)
    {
        // The server runs with invariant globalization: IANA ids resolve from the system's tz database
        // (/usr/share/zoneinfo), but Windows ids need ICU to be mapped, so only IANA ids are promised.
        try
        {
            return string.IsNullOrWhiteSpace(id) ? throw new TimeZoneNotFoundException() : TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidArgumentException(
                $"'timeZone' must be an IANA time zone such as Europe/London or America/New_York; '{id}' is not one this server knows.");
        }
    }

    private static string Show(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined ? "nothing" : value.GetRawText();

    /// <summary>A copy of the definition (its interval copied too).</summary>
    internal static RecurringJobDto Copy(RecurringJobDto spec) => new()
    {
        Name = spec.Name,
        Type = spec.Type,
        Args = spec.Args,
        Queue = spec.Queue,
        Cron = spec.Cron,
        TimeZone = spec.TimeZone,
        Interval = spec.Interval is null
            ? null
            : new JobIntervalDto { Unit = spec.Interval.Unit, Every = spec.Interval.Every, Repeat = spec.Interval.Repeat, Anchor = spec.Interval.Anchor },
        Misfire = spec.Misfire,
        NoOverlap = spec.NoOverlap,
        MaxAttempts = spec.MaxAttempts,
        TimeoutSeconds = spec.TimeoutSeconds,
        MaxConcurrency = spec.MaxConcurrency,
        NextAt = spec.NextAt,
        LastOccurrence = spec.LastOccurrence,
        LastJob = spec.LastJob,
        Fired = spec.Fired,
        CreatedAt = spec.CreatedAt,
        Revision = spec.Revision,
    };
}
