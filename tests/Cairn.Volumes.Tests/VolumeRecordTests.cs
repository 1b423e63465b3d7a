using Cairn.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Volumes.Tests;

/// <summary>
/// An idle node keeps its volume records alive by renewing their lease and does not rewrite them: the store's revision
/// stays where it was while a fake clock runs a minute of reports. A record is rewritten when a figure a reader uses
/// changes (<see cref="VolumeFigures"/>).
/// </summary>
public sealed class VolumeRecordTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly string _scratch = Directory.CreateTempSubdirectory("cairn-records-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private CountingKeyspace _store = null!;
    private BlobStore _blobs = null!;

    public async Task InitializeAsync()
    {
        _store = new CountingKeyspace(await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_scratch, "cairn.db"), Durability = SqliteDurability.None, Time = _time }));
        _blobs = new BlobStore(_store, new VolumeOptions { Directories = [Path.Combine(_scratch, "vol")], NodeId = "n", MinFreeBytes = 0, Time = _time }, null, NullLogger.Instance);
        await _blobs.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _blobs.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public async Task AnIdleNode_RenewsItsRecordsLease_WithoutWriting_ForAMinute()
    {
        var lease = Assert.Single(await _store.ListLeasesAsync());
        Assert.Single((await _store.LeaseTimeToLiveAsync(lease.Id, includeKeys: true))!.Keys);
        var revision = (await _store.StatusAsync()).Revision;

        // Seven reports (10 s apart, the default); a report starts only after the one before it has finished, so once the
        // seventh renewal is seen the first six reports have run completely. The clock moves a second at a time, and
        // not while the lease is near its end, so that a loop slow to reach its next wait (a loaded machine) neither
        // misses its turn nor loses the lease.
        var started = _time.GetUtcNow();
        for (var report = 1; report <= 7; report++)
        {
            var renewals = _store.KeepAlives;
            await Eventually.UntilAsync(
                async () =>
                {
                    if (_store.KeepAlives > renewals)
                    {
                        return true;
                    }

                    if ((await _store.LeaseTimeToLiveAsync(lease.Id))?.RemainingTtlSeconds > 5)
                    {
                        _time.Advance(TimeSpan.FromSeconds(1));
                    }

                    return false;
                },
                Deadline,
                $"report {report} renews the records' lease");
        }

        Assert.True(_time.GetUtcNow() - started >= TimeSpan.FromSeconds(60));
        Assert.Equal(revision, (await _store.StatusAsync()).Revision);
        Assert.Single(await _blobs.VolumesAsync());
    }

    [Theory]
    [InlineData(0.1, 0.6, 2, false)] // idle to a little busier, within a quarter core of the boundary
    [InlineData(0.1, 1.6, 2, true)] // idle to busy
    [InlineData(2.9, 1.9, 2, false)] // hovering around one per core
    [InlineData(10, 16, 2, false)] // overloaded stays overloaded
    [InlineData(10, 2.5, 2, true)] // overloaded to saturated
    [InlineData(0.3, 0.9, 1, true)]
    public void TheLoad_RewritesARecord_OnlyWhenItMovesToAnotherLevel(double published, double now, int cores, bool changed)
    {
        var last = Record() with { Load = published };

        Assert.Equal(changed, VolumeFigures.Changed(last, last with { Load = now, UpdatedAt = last.UpdatedAt.AddHours(1) }, cores));
    }

    [Fact]
    public void AFigureAReaderUses_RewritesARecord_TheTimeAloneDoesNot()
    {
        var last = Record();

        Assert.False(VolumeFigures.Changed(last, last with { UpdatedAt = last.UpdatedAt.AddDays(1), FreeBytes = last.FreeBytes - 1 }, 2));
        Assert.True(VolumeFigures.Changed(last, last with { UsedPercent = 41 }, 2));
        Assert.True(VolumeFigures.Changed(last, last with { Synch = false }, 2));
        Assert.True(VolumeFigures.Changed(last, last with { Addresses = ["http://10.0.0.2:7070"] }, 2));
    }

    private static VolumeRecord Record() => new()
    {
        VolumeId = "v",
        NodeId = "n",
        Path = "/data/v",
        Addresses = ["http://10.0.0.1:7070"],
        TotalBytes = 1000,
        FreeBytes = 600,
        UsedPercent = 40,
        Load = 0.2,
        Synch = true,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    // Counts the lease renewals that reach the store.
    private sealed class CountingKeyspace(IKeyspace inner) : Cairn.Storage.DelegatingKeyspace(inner)
    {
        private int _keepAlives;

        public int KeepAlives => Volatile.Read(ref _keepAlives);

        public override async ValueTask<LeaseInfo> KeepAliveLeaseAsync(long id, CancellationToken cancellationToken = default)
        {
            var info = await base.KeepAliveLeaseAsync(id, cancellationToken);
            Interlocked.Increment(ref _keepAlives);
            return info;
        }
    }
}
