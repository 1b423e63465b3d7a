using System.Globalization;

namespace Cairn.Jobs;

/// <summary>
/// Where the job system keeps its state in the keyspace. Every key is under <see cref="Root"/>; ids are zero-padded to 19
/// digits so that key order is id order.
/// <list type="bullet">
/// <item><c>job/&lt;id&gt;</c>: the job (<see cref="Contracts.JobDto"/> JSON). Its mod revision while it is processing is
/// the running attempt's fencing token: anything else that changes the job (cancel, expiry) fences the attempt.</item>
/// <item><c>q/&lt;queue&gt;/&lt;id&gt;</c>: present while the job is enqueued; value: its type.</item>
/// <item><c>at/&lt;yyyyMMddHHmmssfff&gt;/&lt;id&gt;</c>: present while the job is scheduled (delayed, or waiting for a retry).</item>
/// <item><c>run/&lt;id&gt;</c>: present while the job is processing; value: <see cref="ClaimRecord"/> (token, worker, claim expiry).</item>
/// <item><c>slot/&lt;type&gt;/&lt;n&gt;</c>: a taken concurrency slot of a limited type; value: the job id.</item>
/// <item><c>idem/&lt;key&gt;</c>: an idempotency key; value: the job id.</item>
/// <item><c>done/&lt;yyyyMMddHHmmssfff&gt;/&lt;id&gt;</c>: a finished job, by when it finished (what retention folds away).</item>
/// <item><c>log/&lt;id&gt;/&lt;attempt:D4&gt;/&lt;seq:D10&gt;</c>: a chunk of an attempt's log (<see cref="Contracts.JobLogChunkDto"/> JSON).</item>
/// <item><c>ids</c>: the next free id block (each node takes blocks of <see cref="IdBlock"/> ids).</item>
/// <item><c>rec/&lt;name&gt;</c>: a recurring job (<see cref="Contracts.RecurringJobDto"/> JSON).</item>
/// <item><c>fired/&lt;name&gt;/&lt;yyyyMMddHHmmssfff&gt;</c>: an occurrence already fired (or skipped); value: the job id or 0.</item>
/// </list>
/// </summary>
internal static class JobKeys
{
    public const string Root = "/cairn/jobs/";
    public const string JobPrefix = Root + "job/";
    public const string QueuePrefix = Root + "q/";
    public const string ScheduledPrefix = Root + "at/";
    public const string RunningPrefix = Root + "run/";
    public const string SlotPrefix = Root + "slot/";
    public const string IdempotencyPrefix = Root + "idem/";
    public const string DonePrefix = Root + "done/";
    public const string LogPrefix = Root + "log/";
    public const string Ids = Root + "ids";
    public const string RecurringPrefix = Root + "rec/";
    public const string FiredPrefix = Root + "fired/";

    /// <summary>Ids a node takes from <see cref="Ids"/> at a time.</summary>
    public const long IdBlock = 256;

    public static string Id(long id) => id.ToString("D19", CultureInfo.InvariantCulture);

    public static long ParseId(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);

    public static string Job(long id) => JobPrefix + Id(id);

    public static string Queue(string queue) => QueuePrefix + queue + "/";

    public static string Queued(string queue, long id) => Queue(queue) + Id(id);

    public static string Scheduled(DateTimeOffset at, long id) => ScheduledPrefix + Time(at) + "/" + Id(id);

    public static string Running(long id) => RunningPrefix + Id(id);

    public static string Slots(string type) => SlotPrefix + type + "/";

    public static string Slot(string type, int n) => Slots(type) + n.ToString("D4", CultureInfo.InvariantCulture);

    public static string Idempotency(string key) => IdempotencyPrefix + key;

    public static string Done(DateTimeOffset at, long id) => DonePrefix + Time(at) + "/" + Id(id);

    public static string Log(long id) => LogPrefix + Id(id) + "/";

    public static string Log(long id, int attempt) => Log(id) + attempt.ToString("D4", CultureInfo.InvariantCulture) + "/";

    public static string Log(long id, int attempt, long seq) => Log(id, attempt) + seq.ToString("D10", CultureInfo.InvariantCulture);

    public static string Recurring(string name) => RecurringPrefix + name;

    public static string Fired(string name) => FiredPrefix + name + "/";

    public static string Fired(string name, DateTimeOffset occurrence) => Fired(name) + Time(occurrence);
}

/// <summary>The value of <c>run/&lt;id&gt;</c>: who runs the job's current attempt, and until when its claim holds
/// without a heartbeat.</summary>
internal sealed class ClaimRecord
{
    public long Token { get; set; }

    public int Attempt { get; set; }

    public string Worker { get; set; } = "";

    public string Node { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The concurrency slot it holds, if its type is limited.</summary>
    public string? Slot { get; set; }
}
