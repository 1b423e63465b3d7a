using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn job run|schedule|ls|show|logs|retry|cancel|rm|recurring</c>: the job system.</summary>
internal static class JobCommands
{
    /// <summary>The exit code of <c>job run --wait</c> when the job ended but did not succeed (1 is a failed command).</summary>
    public const int JobDidNotSucceed = 2;

    public static Command Create(CliContext context) => new("job", "Enqueue, inspect and manage jobs (run by servers and `cairn worker` processes).")
    {
        Run(context),
        Schedule(context),
        List(context),
        Show(context),
        Logs(context),
        Retry(context),
        Cancel(context),
        Remove(context),
        Recurring(context),
    };

    /// <summary>The options every enqueue takes, and how they become an <see cref="EnqueueJobDto"/>.</summary>
    private sealed class EnqueueOptions
    {
        public Argument<string> Type { get; } = new("TYPE") { Description = "The job type: a handler name, script:PATH (under the jobs directory) or pulzar:DIR/NAME." };

        public Option<string?> Args { get; } = ArgsOption();

        public Option<string?> Queue { get; } = new("--queue") { Description = "The queue (default: default)." };

        public Option<int?> MaxAttempts { get; } = new("--max-attempts") { Description = "Attempts in all before the job fails for good (default: the server's, 5)." };

        public Option<string?> Timeout { get; } = new("--timeout") { Description = "How long one attempt may run, e.g. 90s, 10m, 1h (default: the server's, 1h)." };

        public Option<string?> IdempotencyKey { get; } = new("--idempotency-key") { Description = "Another enqueue with this key returns the same job instead of making one." };

        public Option<int?> MaxConcurrency { get; } = new("--max-concurrency") { Description = "At most this many jobs of this type run at once across the cluster." };

        public Option<string?> Node { get; } = new("--node") { Description = "Run only on this node." };

        public void AddTo(Command command)
        {
            command.Arguments.Add(Type);
            foreach (var option in new Option[] { Args, Queue, MaxAttempts, Timeout, IdempotencyKey, MaxConcurrency, Node })
            {
                command.Options.Add(option);
            }
        }

        public async Task<EnqueueJobDto> ReadAsync(ParseResult parse, CliContext context, CancellationToken ct) => new()
        {
            Type = parse.GetValue(Type)!,
            Args = await ReadArgsAsync(parse.GetValue(Args), context, ct).ConfigureAwait(false),
            Queue = parse.GetValue(Queue),
            MaxAttempts = Positive(parse.GetValue(MaxAttempts), "--max-attempts"),
            TimeoutSeconds = parse.GetValue(Timeout) is { } timeout ? PositiveDuration(timeout, "--timeout").TotalSeconds : null,
            IdempotencyKey = parse.GetValue(IdempotencyKey),
            MaxConcurrency = Positive(parse.GetValue(MaxConcurrency), "--max-concurrency"),
            Node = parse.GetValue(Node),
        };
    }

    private static Option<string?> ArgsOption() => new("--args")
    {
        Description = "The job's arguments: a JSON object, or @FILE to read it from a file (@- : standard input).",
    };

    private static Command Run(CliContext context)
    {
        var options = new EnqueueOptions();
        var wait = new Option<bool>("--wait") { Description = "Follow the job (printing its log) until it ends; exit 0 if it succeeded, 2 if not." };
        var command = new Command("run", "Enqueue a job to run now and print its id.") { wait };
        options.AddTo(command);
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var dto = await options.ReadAsync(parse, context, ct).ConfigureAwait(false);
            return await EnqueueAsync(context, parse, client, dto, parse.GetValue(wait), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Schedule(CliContext context)
    {
        var options = new EnqueueOptions();
        var at = new Option<string?>("--at") { Description = "When to run it: an ISO-8601 time (UTC when it has no offset), e.g. 2030-01-01T09:00:00Z." };
        var @in = new Option<string?>("--in") { Description = "Run it this long from now, e.g. 90s, 10m, 1h30m, 2d." };
        var wait = new Option<bool>("--wait") { Description = "Follow the job until it ends; exit 0 if it succeeded, 2 if not." };
        var command = new Command("schedule", "Enqueue a job to run at a time (--at) or after a delay (--in) and print its id.") { at, @in, wait };
        options.AddTo(command);
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var dto = await options.ReadAsync(parse, context, ct).ConfigureAwait(false);
            switch (parse.GetValue(at), parse.GetValue(@in))
            {
                case ({ } time, null):
                    dto.RunAt = ParseAbsoluteTime(time, "--at");
                    break;
                case (null, { } delay):
                    dto.DelaySeconds = Durations.Parse(delay, "--in").TotalSeconds;
                    break;
                default:
                    throw new ArgumentException("Give exactly one of --at TIME and --in DURATION.");
            }

            return await EnqueueAsync(context, parse, client, dto, parse.GetValue(wait), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> EnqueueAsync(CliContext context, ParseResult parse, CairnClient client, EnqueueJobDto dto, bool wait, CancellationToken ct)
    {
        var json = context.WantsJson(parse);
        var (job, _) = await client.EnqueueJobAsync(dto, ct).ConfigureAwait(false);
        if (!wait)
        {
            await (json ? context.WriteJsonAsync(job) : context.Out.WriteLineAsync(Num(job.Id))).ConfigureAwait(false);
            return 0;
        }

        if (!json)
        {
            await context.Out.WriteLineAsync(Num(job.Id)).ConfigureAwait(false);
            await context.Out.FlushAsync(ct).ConfigureAwait(false);
        }

        var final = await FollowAsync(context, client, job.Id, attempt: null, printLog: !json, ct).ConfigureAwait(false);
        if (final is null)
        {
            throw new NotFoundException($"Job {Num(job.Id)} was deleted before it ended.");
        }

        if (json)
        {
            await context.WriteJsonAsync(final).ConfigureAwait(false);
        }

        if (final.State == JobStates.Succeeded)
        {
            return 0;
        }

        await context.FailAsync($"job {Num(final.Id)} {final.State}{(final.Reason is { Length: > 0 } reason ? ": " + reason : "")}").ConfigureAwait(false);
        return JobDidNotSucceed;
    }

    /// <summary>Follows a job until it ends, printing its log (all attempts', or one's); returns it as it ended, or null
    /// when it was deleted.</summary>
    private static async Task<JobDto?> FollowAsync(CliContext context, CairnClient client, long id, int? attempt, bool printLog, CancellationToken ct)
    {
        JobDto? last = null;
        var endsWithNewline = true;
        int? current = null;
        await foreach (var change in client.FollowJobAsync(id, ct).ConfigureAwait(false))
        {
            if (change.Job is { } job)
            {
                last = job;
            }
            else if (printLog && change.Log is { } log && (attempt is null || log.Attempt == attempt))
            {
                if (attempt is null && log.Attempt != current)
                {
                    // As `job logs` prints every attempt's log: each under a header.
                    await context.Out.WriteAsync((endsWithNewline ? "" : "\n") + $"--- attempt {Num(log.Attempt)} ---\n").ConfigureAwait(false);
                    current = log.Attempt;
                    endsWithNewline = true;
                }

                await context.Out.WriteAsync(log.Text).ConfigureAwait(false);
                await context.Out.FlushAsync(ct).ConfigureAwait(false);
                endsWithNewline = log.Text.Length == 0 ? endsWithNewline : log.Text.EndsWith('\n');
            }
        }

        if (!endsWithNewline)
        {
            await context.Out.WriteLineAsync().ConfigureAwait(false);
        }

        return last is not null && JobStates.IsFinal(last.State) ? last : await client.GetJobAsync(id, ct).ConfigureAwait(false);
    }

    private static Command List(CliContext context)
    {
        var state = new Option<string?>("--state") { Description = "Only jobs in this state: " + string.Join(", ", JobStates.All) + "." };
        var queue = new Option<string?>("--queue") { Description = "Only jobs in this queue." };
        var type = new Option<string?>("--type") { Description = "Only jobs of this type." };
        var limit = new Option<int?>("--limit") { Description = "At most this many (default: the server's)." };
        var after = new Option<long?>("--after") { Description = "Start after this job id (the cursor a previous page printed)." };
        var all = new Option<bool>("--all") { Description = "Follow every page." };
        var command = new Command("ls", "List jobs by id, filtered by state, queue and type.") { state, queue, type, limit, after, all };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var wanted = parse.GetValue(state);
            if (wanted is not null && !JobStates.All.Contains(wanted))
            {
                throw new ArgumentException($"--state '{wanted}' is not a job state: use one of {string.Join(", ", JobStates.All)}.");
            }

            var query = new JobListQuery
            {
                State = wanted,
                Queue = parse.GetValue(queue),
                Type = parse.GetValue(type),
                Limit = Positive(parse.GetValue(limit), "--limit"),
                After = parse.GetValue(after),
            };
            JobListDto page;
            if (parse.GetValue(all))
            {
                page = new JobListDto();
                await foreach (var job in client.ListAllJobsAsync(query, ct).ConfigureAwait(false))
                {
                    page.Jobs.Add(job);
                }
            }
            else
            {
                page = await client.ListJobsAsync(query, ct).ConfigureAwait(false);
            }

            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(page).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["ID", "STATE", "TYPE", "QUEUE", "ATTEMPTS", "CREATED", "REASON"],
                page.Jobs.Select(j => (IReadOnlyList<string>)
                [
                    Num(j.Id), j.State, j.Type, j.Queue, $"{Num(j.Attempts.Count)}/{Num(j.MaxAttempts)}", Time(j.CreatedAt), OneLine(j.Reason),
                ])).ConfigureAwait(false);
            if (page.Next is { } next)
            {
                await context.Error.WriteLineAsync($"(more after {Num(next)}; use --all, or --after {Num(next)})").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = JobId();
        var command = new Command("show", "Print a job: its state, settings, result and every attempt.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var jobId = parse.GetValue(id);
            var job = await client.GetJobAsync(jobId, ct).ConfigureAwait(false) ?? throw NoSuchJob(jobId);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(job).ConfigureAwait(false);
                return 0;
            }

            var fields = new List<IReadOnlyList<string>>
            {
                new[] { "id", Num(job.Id) },
                new[] { "type", job.Type },
                new[] { "state", job.State },
            };
            void Add(string name, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    fields.Add([name, value]);
                }
            }

            Add("reason", OneLine(job.Reason));
            Add("queue", job.Queue);
            Add("args", job.Args.ValueKind == JsonValueKind.Undefined ? null : job.Args.GetRawText());
            Add("created", Time(job.CreatedAt));
            Add("state at", Time(job.StateAt));
            Add("run at", job.RunAt is { } runAt ? Time(runAt) : null);
            Add("attempts", $"{Num(job.Attempts.Count)} of {Num(job.MaxAttempts)}");
            Add("timeout", job.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(job.TimeoutSeconds).ToString("c", CultureInfo.InvariantCulture) : null);
            Add("max concurrency", job.MaxConcurrency is { } limit ? Num(limit) : null);
            Add("idempotency key", job.IdempotencyKey);
            Add("node", job.Node);
            Add("recurring", job.Recurring is { } name ? name + (job.Occurrence is { } at ? " @ " + Time(at) : "") : null);
            Add("result", job.Result is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } result ? result.GetRawText() : null);
            Add("files", job.Files is { Count: > 0 } files ? string.Join(", ", files) : null);
            Add("revision", Num(job.Revision));
            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"], fields).ConfigureAwait(false);
            if (job.Attempts.Count > 0)
            {
                await context.Out.WriteLineAsync().ConfigureAwait(false);
                await Text.WriteTableAsync(context.Out, ["#", "OUTCOME", "STARTED", "ENDED", "WORKER", "NODE", "EXIT", "ERROR"],
                    job.Attempts.Select(a => (IReadOnlyList<string>)
                    [
                        Num(a.Number), a.Outcome ?? "running", Time(a.StartedAt), a.EndedAt is { } ended ? Time(ended) : "",
                        a.Worker, a.Node, a.ExitCode is { } exit ? Num(exit) : "", OneLine(a.Error),
                    ])).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Logs(CliContext context)
    {
        var id = JobId();
        var attempt = new Option<int?>("--attempt") { Description = "Only this attempt's log (default: every attempt's, each under a header)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing the log as it is written, until the job ends." };
        var command = new Command("logs", "Print a job's log.") { id, attempt, follow };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var jobId = parse.GetValue(id);
            var number = Positive(parse.GetValue(attempt), "--attempt");
            if (parse.GetValue(follow))
            {
                try
                {
                    _ = await FollowAsync(context, client, jobId, number, printLog: true, ct).ConfigureAwait(false);
                }
                catch (NotFoundException)
                {
                    throw NoSuchJob(jobId);
                }

                return 0;
            }

            var text = await client.ReadJobLogAsync(jobId, number, ct).ConfigureAwait(false);
            await context.Out.WriteAsync(text).ConfigureAwait(false);
            if (text.Length > 0 && !text.EndsWith('\n'))
            {
                await context.Out.WriteLineAsync().ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Retry(CliContext context)
    {
        var id = JobId();
        var command = new Command("retry", "Run a finished job (succeeded, failed or cancelled) again, now.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var job = await client.RetryJobAsync(parse.GetValue(id), ct).ConfigureAwait(false);
            await (context.WantsJson(parse) ? context.WriteJsonAsync(job) : context.Out.WriteLineAsync($"job {Num(job.Id)} {job.State}")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var id = JobId();
        var command = new Command("cancel", "Cancel a job that has not finished; a running attempt is stopped.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var job = await client.CancelJobAsync(parse.GetValue(id), ct).ConfigureAwait(false);
            await (context.WantsJson(parse) ? context.WriteJsonAsync(job) : context.Out.WriteLineAsync($"job {Num(job.Id)} {job.State}")).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = JobId();
        var command = new Command("rm", "Delete a job and its logs (a running job must be cancelled first).") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var jobId = parse.GetValue(id);
            if (!await client.DeleteJobAsync(jobId, ct).ConfigureAwait(false))
            {
                throw NoSuchJob(jobId);
            }

            await context.Out.WriteLineAsync($"job {Num(jobId)} deleted").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Recurring(CliContext context) => new("recurring", "Jobs enqueued on a schedule (cron or interval), once per occurrence across the cluster.")
    {
        RecurringList(context),
        RecurringAdd(context),
        RecurringRemove(context),
        RecurringTrigger(context),
    };

    private static Command RecurringList(CliContext context)
    {
        var command = new Command("ls", "List recurring jobs with their schedules and next firings.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var all = await client.ListRecurringJobsAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new RecurringJobListDto { Recurring = [.. all] }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["NAME", "TYPE", "SCHEDULE", "NEXT", "FIRED", "LAST JOB"],
                all.Select(r => (IReadOnlyList<string>)
                [
                    r.Name, r.Type, DescribeSchedule(r), r.NextAt is { } next ? Time(next) : "-", Num(r.Fired), r.LastJob is { } last ? Num(last) : "",
                ])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command RecurringAdd(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Its name: letters, digits and . _ - :" };
        var type = new Argument<string>("TYPE") { Description = "The job type it enqueues." };
        var cron = new Option<string?>("--cron") { Description = "A cron expression: 5 fields, or 6 with seconds first (e.g. \"*/5 * * * *\")." };
        var tz = new Option<string?>("--tz") { Description = "The IANA time zone the cron expression is read in (default UTC), e.g. Europe/London." };
        var every = new Option<int?>("--every") { Description = "An interval schedule: every N units (with --unit)." };
        var unit = new Option<string?>("--unit") { Description = "The interval's unit: minutes, hours, days or weeks." };
        var once = new Option<bool>("--once") { Description = "With --every: run once, one interval from now, instead of repeating." };
        var misfire = new Option<string?>("--misfire") { Description = "After downtime: once (default: one run for all missed), skip, or all." };
        var allowOverlap = new Option<bool>("--allow-overlap") { Description = "Fire even while the previous run has not finished." };
        var args = ArgsOption();
        var queue = new Option<string?>("--queue") { Description = "The queue its jobs go to (default: default)." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Attempts each job has in all." };
        var timeout = new Option<string?>("--timeout") { Description = "How long one attempt may run, e.g. 10m." };
        var maxConcurrency = new Option<int?>("--max-concurrency") { Description = "At most this many jobs of the type run at once." };
        var command = new Command("add", "Create or replace a recurring job.")
        {
            name, type, cron, tz, every, unit, once, misfire, allowOverlap, args, queue, maxAttempts, timeout, maxConcurrency,
        };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var dto = new RecurringJobDto
            {
                Name = parse.GetValue(name)!,
                Type = parse.GetValue(type)!,
                Args = await ReadArgsAsync(parse.GetValue(args), context, ct).ConfigureAwait(false),
                Queue = parse.GetValue(queue),
                Misfire = parse.GetValue(misfire),
                NoOverlap = parse.GetValue(allowOverlap) ? false : null,
                MaxAttempts = Positive(parse.GetValue(maxAttempts), "--max-attempts"),
                TimeoutSeconds = parse.GetValue(timeout) is { } t ? PositiveDuration(t, "--timeout").TotalSeconds : null,
                MaxConcurrency = Positive(parse.GetValue(maxConcurrency), "--max-concurrency"),
            };
            if (dto.Misfire is { } policy && policy is not ("once" or "skip" or "all"))
            {
                throw new ArgumentException($"--misfire '{policy}' is not a policy: use once, skip or all.");
            }

            switch (parse.GetValue(cron), parse.GetValue(every))
            {
                case ({ } expression, null):
                    if (parse.GetValue(unit) is not null || parse.GetValue(once))
                    {
                        throw new ArgumentException("--unit and --once go with --every, not --cron.");
                    }

                    dto.Cron = expression;
                    dto.TimeZone = parse.GetValue(tz);
                    break;
                case (null, { } n):
                    if (parse.GetValue(tz) is not null)
                    {
                        throw new ArgumentException("--tz goes with --cron, not --every.");
                    }

                    var u = parse.GetValue(unit) ?? throw new ArgumentException("--every needs --unit minutes|hours|days|weeks.");
                    if (u is not ("minutes" or "hours" or "days" or "weeks"))
                    {
                        throw new ArgumentException($"--unit '{u}' is not a unit: use minutes, hours, days or weeks.");
                    }

                    dto.Interval = new JobIntervalDto { Every = Positive(n, "--every")!.Value, Unit = u, Repeat = !parse.GetValue(once) };
                    break;
                default:
                    throw new ArgumentException("Give exactly one schedule: --cron EXPR or --every N --unit UNIT.");
            }

            var (saved, created) = await client.PutRecurringJobAsync(dto, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(saved).ConfigureAwait(false);
                return 0;
            }

            await context.Out.WriteLineAsync(
                $"recurring {saved.Name} {(created ? "created" : "replaced")}, {(saved.NextAt is { } next ? "next at " + Time(next) : "no next occurrence")}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command RecurringRemove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The recurring job's name." };
        var command = new Command("rm", "Remove a recurring job (the jobs it fired stay).") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var which = parse.GetValue(name)!;
            if (!await client.DeleteRecurringJobAsync(which, ct).ConfigureAwait(false))
            {
                throw new NotFoundException($"There is no recurring job '{which}'.");
            }

            await context.Out.WriteLineAsync($"recurring {which} removed").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command RecurringTrigger(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The recurring job's name." };
        var command = new Command("trigger", "Fire a recurring job now, outside its schedule, and print the new job's id.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var job = await client.TriggerRecurringJobAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            await (context.WantsJson(parse) ? context.WriteJsonAsync(job) : context.Out.WriteLineAsync(Num(job.Id))).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>A schedule in words: the cron expression (and zone), or <c>every N unit[, once]</c>.</summary>
    internal static string DescribeSchedule(RecurringJobDto recurring) => recurring switch
    {
        { Cron: { } cron } => cron + (recurring.TimeZone is { } zone ? " (" + zone + ")" : ""),
        { Interval: { } interval } => $"every {Num(interval.Every)} {interval.Unit}{(interval.Repeat ? "" : ", once")}",
        _ => "",
    };

    private static Argument<long> JobId() => new("ID") { Description = "The job's id." };

    /// <summary>Reads <c>--args</c>: JSON text, <c>@FILE</c>, or <c>@-</c> (standard input); it must be a JSON object.</summary>
    private static async Task<JsonElement?> ReadArgsAsync(string? text, CliContext context, CancellationToken ct)
    {
        if (text is null)
        {
            return null;
        }

        if (text.StartsWith('@'))
        {
            var path = text[1..];
            if (path == "-")
            {
                using var reader = new StreamReader(context.OpenStdin());
                text = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException($"--args: cannot read '{path}': {ex.Message}");
                }
            }
        }

        JsonElement args;
        try
        {
            using var document = JsonDocument.Parse(text);
            args = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--args is not JSON: {ex.Message}");
        }

        return args.ValueKind == JsonValueKind.Object
            ? args
            : throw new ArgumentException($"--args must be a JSON object ({{\"name\": value, …}}); got a{(args.ValueKind == JsonValueKind.Array ? "n array" : " " + args.ValueKind.ToString().ToLowerInvariant())}.");
    }

    private static int? Positive(int? value, string option) =>
        value is < 1 ? throw new ArgumentException($"{option} must be at least 1; got {Num(value.Value)}.") : value;

    private static TimeSpan PositiveDuration(string text, string option)
    {
        var span = Durations.Parse(text, option);
        return span > TimeSpan.Zero ? span : throw new ArgumentException($"{option} must be longer than zero; got '{text}'.");
    }

    /// <summary>An ISO-8601 time (UTC when it has no offset).</summary>
    private static DateTimeOffset ParseAbsoluteTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new ArgumentException($"{option} '{text}' is not an ISO-8601 time (e.g. 2030-01-01T09:00:00Z); for a delay use --in.");

    private static NotFoundException NoSuchJob(long id) => new($"There is no job {Num(id)}.");

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) =>
        at == default ? "" : at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string OneLine(string? text) =>
        text is null ? "" : string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
