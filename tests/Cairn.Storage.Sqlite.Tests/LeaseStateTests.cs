namespace Cairn.Storage.Sqlite.Tests;

/// <summary>A lease's clock on its own: renewal and the sweeper's claim on an expired lease exclude each other.</summary>
public sealed class LeaseStateTests
{
    private const long Frequency = 1000; // timestamps in milliseconds

    [Fact]
    public void KeepAlive_BeforeExpiry_PushesItOneTtlOn_SoTheSweeperCannotEndIt()
    {
        var lease = new LeaseState(1, ttlSeconds: 10, Frequency, now: 0);

        Assert.True(lease.TryRenew(9_999));

        Assert.False(lease.TryEnd(10_000));
        Assert.Equal(10, lease.RemainingSeconds(10_000));
        Assert.False(lease.IsExpired(19_998));
        Assert.True(lease.IsExpired(19_999));
    }

    [Fact]
    public void AnExpiredLease_CannotBeRenewed_AndOnceEndedStaysEnded()
    {
        var lease = new LeaseState(1, ttlSeconds: 10, Frequency, now: 0);

        Assert.False(lease.TryRenew(10_000));
        Assert.True(lease.TryEnd(10_000));

        // A keep-alive that read the clock before the expiry but renews after the claim fails too.
        Assert.False(lease.TryRenew(9_000));
        Assert.True(lease.IsExpired(0));
        Assert.Equal(0, lease.RemainingSeconds(9_000));
        Assert.True(lease.TryEnd(0));
    }

    [Fact]
    public void RacingKeepAlivesAndSweeps_NeverBothWin()
    {
        for (var round = 0; round < 500; round++)
        {
            var lease = new LeaseState(1, ttlSeconds: 1, Frequency, now: 0);
            bool renewed = false, ended = false;
            using var start = new Barrier(2);
            var keepAlive = new Thread(() =>
            {
                start.SignalAndWait();
                renewed = lease.TryRenew(999); // just before the expiry
            });
            var sweep = new Thread(() =>
            {
                start.SignalAndWait();
                ended = lease.TryEnd(1000); // at the expiry
            });
            keepAlive.Start();
            sweep.Start();
            keepAlive.Join();
            sweep.Join();

            Assert.True(renewed ^ ended, $"round {round}: renewed {renewed}, ended {ended}");
        }
    }
}
