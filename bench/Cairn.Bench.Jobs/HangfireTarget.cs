using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.States;
using Hangfire.Storage.SQLite;

namespace Cairn.Bench.Jobs;

/// <summary>
/// Hangfire 1.8 as an application hosts it: a <see cref="BackgroundJobClient"/> and a <see cref="BackgroundJobServer"/>
/// in this process, on Hangfire.Storage.SQLite (a file in a fresh temp directory) or Hangfire.InMemory.
/// </summary>
internal sealed class HangfireTarget : IJobTarget
{
    private readonly JobStorage _storage;
    private readonly BackgroundJobClient _client;
    private readonly DirectoryInfo? _dir;
    private BackgroundJobServer? _server;

    private HangfireTarget(JobStorage storage, DirectoryInfo? dir)
    {
        _storage = storage;
        _dir = dir;
        _client = new BackgroundJobClient(storage);
    }

    static HangfireTarget()
    {
        // The settings Hangfire's documentation recommends for new applications (compact payloads, 1.8 data format).
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
    }

    /// <summary>Hangfire.Storage.SQLite with its defaults (journal mode DELETE, SQLite's default synchronous = FULL, so a
    /// committed enqueue is on disk), except the queue poll interval: its default of 15 s would make the start latency
    /// about the poll interval; the benchmark sets <paramref name="queuePoll"/>.</summary>
    /// <remarks>With <paramref name="wal"/>, journal_mode WAL instead (one sync per commit rather than several; still
    /// durable with SQLite's default synchronous FULL): the faster durable setting a tuned deployment would pick.</remarks>
    public static TargetKind Sqlite(TimeSpan queuePoll, bool wal) => new(
        wal ? "hangfire-sqlite-wal" : "hangfire-sqlite",
        Durable: true,
        $"Hangfire.Core 1.8.25 + Hangfire.Storage.SQLite 0.4.3 (a file in a fresh temp dir; {(wal ? "journal_mode WAL (set), synchronous FULL (default)" : "journal_mode DELETE, synchronous FULL — its defaults")}), QueuePollInterval {queuePoll.TotalMilliseconds:0} ms (default 15 s); BackgroundJobServer in the benchmark process",
        _ =>
        {
            var dir = Directory.CreateTempSubdirectory("cairn-bench-hangfire-");
            var options = new SQLiteStorageOptions
            {
                QueuePollInterval = queuePoll,
                JournalMode = wal ? SQLiteStorageOptions.JournalModes.WAL : SQLiteStorageOptions.JournalModes.DELETE,
            };
            var storage = new SQLiteStorage(Path.Combine(dir.FullName, "hangfire.db"), options);
            return Task.FromResult<IJobTarget>(new HangfireTarget(storage, dir));
        });

    /// <summary>Hangfire.InMemory with its defaults: nothing survives the process; waiting workers are woken by an
    /// enqueue (no polling).</summary>
    public static TargetKind InMemory() => new(
        "hangfire-inmemory",
        Durable: false,
        "Hangfire.Core 1.8.25 + Hangfire.InMemory 1.0.0 (defaults; NOT durable: jobs live in the process's memory); BackgroundJobServer in the benchmark process",
        _ => Task.FromResult<IJobTarget>(new HangfireTarget(new InMemoryStorage(new InMemoryStorageOptions()), null)));

    public Task EnqueueAsync(long enqueuedAt, CancellationToken cancellationToken)
    {
        // Hangfire's client is synchronous; the enqueuers run on their own tasks, as an ASP.NET request would call it.
        _client.Create(Hangfire.Common.Job.FromExpression(() => HangfireJobs.Noop(enqueuedAt)), new EnqueuedState());
        return Task.CompletedTask;
    }

    public Task StartWorkersAsync(int workers, CancellationToken cancellationToken)
    {
        _server = new BackgroundJobServer(
            new BackgroundJobServerOptions { WorkerCount = workers, ServerName = $"bench-{Environment.ProcessId}-{Stopwatch.GetTimestamp()}" },
            _storage);
        return Task.CompletedTask;
    }

    public Task StopWorkersAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            server.SendStop();
            server.Dispose(); // waits for the workers to finish
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkersAsync().ConfigureAwait(false);
        (_storage as IDisposable)?.Dispose();
        if (_dir is not null)
        {
            try
            {
                _dir.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A file still held open: the temp dir is left behind, which costs nothing but space.
            }
        }
    }
}
