using Cairn.Storage.Watching;

namespace Cairn.Storage.Tests;

/// <summary>The interval tree finds exactly the intervals that contain a point, through any mix of adds and removes.</summary>
public sealed class IntervalTreeTests
{
    private sealed record Interval(byte[] Start, byte[] End)
    {
        public bool Contains(byte[] point) =>
            point.AsSpan().SequenceCompareTo(Start) >= 0 && (End.Length == 0 || point.AsSpan().SequenceCompareTo(End) < 0);

        public override string ToString() => $"[{Convert.ToHexString(Start)}, {(End.Length == 0 ? "∞" : Convert.ToHexString(End))})";
    }

    // Short strings over a few byte values (including 0x00 and 0xFF) so that intervals overlap, share bounds and
    // points fall exactly on them.
    private static byte[] RandomBytes(Random random, int maxLength)
    {
        ReadOnlySpan<byte> alphabet = [0x00, 0x61, 0x62, 0x63, 0xFF];
        var bytes = new byte[random.Next(maxLength + 1)];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = alphabet[random.Next(alphabet.Length)];
        }

        return bytes;
    }

    [Fact]
    public void Stab_FindsExactlyTheContainingIntervals_ThroughThousandsOfRandomAddsAndRemoves()
    {
        var random = new Random(20240607);
        var tree = new IntervalTree<Interval>();
        var held = new Dictionary<string, Interval>();
        var found = new List<Interval>();
        for (var step = 0; step < 20_000; step++)
        {
            var interval = new Interval(RandomBytes(random, 3), random.Next(8) == 0 ? [] : RandomBytes(random, 3));
            var name = interval.ToString();
            if (held.Remove(name, out var existing))
            {
                Assert.Same(existing, tree.Find(interval.Start, interval.End));
                Assert.True(tree.Remove(interval.Start, interval.End));
            }
            else
            {
                Assert.Null(tree.Find(interval.Start, interval.End));
                tree.Add(interval.Start, interval.End, interval);
                held[name] = interval;
            }

            if (step % 100 == 0)
            {
                tree.Validate();
            }

            var point = RandomBytes(random, 4);
            found.Clear();
            tree.Stab(point, found);
            var expected = held.Values.Where(i => i.Contains(point)).Select(i => i.ToString()).Order(StringComparer.Ordinal);
            Assert.Equal(expected, found.Select(i => i.ToString()).Order(StringComparer.Ordinal));
        }

        Assert.Equal(held.Count, tree.Count);
        Assert.True(held.Count > 100, $"Only {held.Count} intervals held at the end.");
    }

    [Fact]
    public void Stab_LeavesOutThePointEqualToTheEnd_AndAnEmptyEndHasNoBound()
    {
        var tree = new IntervalTree<string>();
        tree.Add("b"u8.ToArray(), "d"u8.ToArray(), "[b, d)");
        tree.Add("x"u8.ToArray(), [], "[x, ∞)");
        tree.Add([], [], "everything");

        List<string> Stab(byte[] point)
        {
            var found = new List<string>();
            tree.Stab(point, found);
            return [.. found.Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["everything"], Stab("a"u8.ToArray()));
        Assert.Equal(["[b, d)", "everything"], Stab("b"u8.ToArray()));
        Assert.Equal(["[b, d)", "everything"], Stab("czzz"u8.ToArray()));
        Assert.Equal(["everything"], Stab("d"u8.ToArray()));
        Assert.Equal(["[x, ∞)", "everything"], Stab([0x78, 0xFF, 0xFF, 0xFF]));
        Assert.Equal(["everything"], Stab([]));
    }

    [Fact]
    public void Remove_OfEveryInterval_LeavesAnEmptyTree()
    {
        var random = new Random(5);
        var tree = new IntervalTree<string>();
        var intervals = Enumerable.Range(0, 2000).Select(i => (Start: BitConverter.GetBytes(i), End: BitConverter.GetBytes(i + random.Next(50)))).ToList();
        foreach (var (start, end) in intervals)
        {
            tree.Add(start, end, "x");
        }

        tree.Validate();
        foreach (var (start, end) in intervals.OrderBy(_ => random.Next()))
        {
            Assert.True(tree.Remove(start, end));
        }

        tree.Validate();
        Assert.Equal(0, tree.Count);
        Assert.False(tree.Remove(intervals[0].Start, intervals[0].End));
    }
}
