using System.Text;
using Cairn.Core;
using Cairn.Storage.Watching;

namespace Cairn.Storage.Tests;

/// <summary>The index of waiting watchers finds, for a changed key, exactly the watchers whose range contains it, as
/// <see cref="KeyRange.Contains"/> says.</summary>
public sealed class WatcherIndexTests
{
    private static readonly Lock Gate = new();

    private static Watcher NewWatcher(KeyRange range) => new(range, Gate, TimeProvider.System, TimeSpan.Zero);

    // Keys over a small alphabet, so that ranges overlap and keys fall exactly on their bounds.
    private static string RandomKey(Random random, int minLength, int maxLength)
    {
        const string Alphabet = "ab/z";
        var chars = new char[random.Next(minLength, maxLength + 1)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    private static KeyRange RandomRange(Random random) => random.Next(10) switch
    {
        < 4 => KeyRange.Single(RandomKey(random, 1, 4)),
        < 6 => KeyRange.Prefix(RandomKey(random, 0, 3)),
        < 8 => KeyRange.Between(RandomKey(random, 0, 3), RandomKey(random, 1, 3)),
        8 => KeyRange.FromKey(RandomKey(random, 0, 3)),
        _ => KeyRange.All,
    };

    [Fact]
    public void TakeMatching_TakesExactlyTheWatchersWhoseRangeContainsTheKey_OverThousandsOfRandomRangesAndKeys()
    {
        var random = new Random(424242);
        var index = new WatcherIndex();
        var waiting = new HashSet<Watcher>();
        var taken = new List<Watcher>();
        for (var i = 0; i < 3000; i++)
        {
            var watcher = NewWatcher(RandomRange(random));
            index.Add(watcher);
            waiting.Add(watcher);
        }

        for (var round = 0; round < 3000; round++)
        {
            var key = Encoding.UTF8.GetBytes(RandomKey(random, 1, 4));
            var expected = waiting.Where(w => w.Range.Contains(key)).ToHashSet();

            taken.Clear();
            index.TakeMatching(key, taken);

            Assert.True(expected.SetEquals(taken), $"Key {Encoding.UTF8.GetString(key)}: expected {expected.Count} watchers, took {taken.Count}.");
            Assert.Equal(taken.Count, taken.Distinct().Count());
            Assert.All(taken, w => Assert.False(w.Indexed));
            waiting.ExceptWith(taken);
            Assert.Equal(waiting.Count, index.Count);

            // The woken come back (as watchers that caught up do); some others leave (cancelled), new ones arrive.
            foreach (var watcher in taken)
            {
                index.Add(watcher);
                waiting.Add(watcher);
            }

            if (random.Next(4) == 0)
            {
                var leaving = waiting.ElementAt(random.Next(waiting.Count));
                index.Remove(leaving);
                waiting.Remove(leaving);
                var arriving = NewWatcher(RandomRange(random));
                index.Add(arriving);
                waiting.Add(arriving);
            }
        }

        Assert.Equal(waiting.Count, index.Count);
    }

    [Fact]
    public void Remove_OfEveryWatcher_LeavesNoKeyOrIntervalBehind()
    {
        var random = new Random(7);
        var index = new WatcherIndex();
        var watchers = Enumerable.Range(0, 1000).Select(_ => NewWatcher(RandomRange(random))).ToList();
        foreach (var watcher in watchers)
        {
            index.Add(watcher);
        }

        Assert.Equal(1000, index.Count);
        foreach (var watcher in watchers.OrderBy(_ => random.Next()))
        {
            index.Remove(watcher);
            index.Remove(watcher); // a second remove is harmless
        }

        Assert.Equal((0, 0, 0), (index.Count, index.KeyCount, index.RangeCount));
    }
}
