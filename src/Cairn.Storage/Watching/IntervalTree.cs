namespace Cairn.Storage.Watching;

/// <summary>
/// Half-open intervals of byte strings, <c>[Start, End)</c> where an empty <c>End</c> means "no upper bound" (as
/// <see cref="Cairn.Core.KeyRange.EndBytes"/>), each holding one value. An AVL tree ordered by (Start, End) in which
/// every node also knows the largest End of its subtree, so that the intervals containing a point are found in
/// O(log n + matches) and adding or removing one costs O(log n). One value per distinct interval: callers group what
/// shares an interval.
/// </summary>
/// <remarks>Not thread-safe; the watch hub uses it under its lock.</remarks>
internal sealed class IntervalTree<TValue>
    where TValue : class
{
    private Node? _root;

    /// <summary>Distinct intervals held.</summary>
    public int Count { get; private set; }

    /// <summary>The value of exactly this interval, or null.</summary>
    public TValue? Find(byte[] start, byte[] end)
    {
        var node = _root;
        while (node is not null)
        {
            var order = Compare(start, end, node.Start, node.End);
            if (order == 0)
            {
                return node.Value;
            }

            node = order < 0 ? node.Left : node.Right;
        }

        return null;
    }

    /// <summary>Adds an interval that is not held yet.</summary>
    public void Add(byte[] start, byte[] end, TValue value)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(end);
        _root = Insert(_root, start, end, value);
        Count++;
    }

    /// <summary>Gives an interval that is held a new value; false if it is not held.</summary>
    public bool Replace(byte[] start, byte[] end, TValue value)
    {
        var node = _root;
        while (node is not null)
        {
            var order = Compare(start, end, node.Start, node.End);
            if (order == 0)
            {
                node.Value = value;
                return true;
            }

            node = order < 0 ? node.Left : node.Right;
        }

        return false;
    }

    /// <summary>Removes an interval; false if it was not held.</summary>
    public bool Remove(byte[] start, byte[] end)
    {
        var removed = false;
        _root = Delete(_root, start, end, ref removed);
        if (removed)
        {
            Count--;
        }

        return removed;
    }

    /// <summary>Appends to <paramref name="into"/> the value of every interval that contains <paramref name="point"/>.</summary>
    public void Stab(ReadOnlySpan<byte> point, List<TValue> into) => Stab(_root, point, into);

    /// <summary>Appends every value, in interval order.</summary>
    public void CollectAll(List<TValue> into) => CollectAll(_root, into);

    /// <summary>Checks the tree's invariants (order, balance, heights, subtree maxima); for tests.</summary>
    internal void Validate()
    {
        var count = Validate(_root, null, null);
        if (count != Count)
        {
            throw new InvalidOperationException($"The tree holds {count} nodes but counts {Count}.");
        }
    }

    // Order of intervals: by start, then by end with "no upper bound" last.
    private static int Compare(byte[] start, byte[] end, byte[] otherStart, byte[] otherEnd)
    {
        var order = start.AsSpan().SequenceCompareTo(otherStart);
        return order != 0 ? order : CompareEnds(end, otherEnd);
    }

    private static int CompareEnds(byte[] end, byte[] other) =>
        end.Length == 0 ? (other.Length == 0 ? 0 : 1)
        : other.Length == 0 ? -1
        : end.AsSpan().SequenceCompareTo(other);

    // True when an interval ending at `end` (exclusive) still holds `point`'s position, i.e. point < end.
    private static bool EndsAfter(byte[] end, ReadOnlySpan<byte> point) => end.Length == 0 || point.SequenceCompareTo(end) < 0;

    private static void Stab(Node? node, ReadOnlySpan<byte> point, List<TValue> into)
    {
        // Left subtrees by recursion (depth O(log n)), right ones by the loop.
        while (node is not null && EndsAfter(node.MaxEnd, point))
        {
            Stab(node.Left, point, into);

            // This node and everything to its right start after the point.
            if (point.SequenceCompareTo(node.Start) < 0)
            {
                return;
            }

            if (EndsAfter(node.End, point))
            {
                into.Add(node.Value);
            }

            node = node.Right;
        }
    }

    private static void CollectAll(Node? node, List<TValue> into)
    {
        if (node is null)
        {
            return;
        }

        CollectAll(node.Left, into);
        into.Add(node.Value);
        CollectAll(node.Right, into);
    }

    private static Node Insert(Node? node, byte[] start, byte[] end, TValue value)
    {
        if (node is null)
        {
            return new Node(start, end, value);
        }

        var order = Compare(start, end, node.Start, node.End);
        if (order == 0)
        {
            throw new InvalidOperationException("The interval is already in the tree.");
        }

        if (order < 0)
        {
            node.Left = Insert(node.Left, start, end, value);
        }
        else
        {
            node.Right = Insert(node.Right, start, end, value);
        }

        return Balance(node);
    }

    private static Node? Delete(Node? node, byte[] start, byte[] end, ref bool removed)
    {
        if (node is null)
        {
            return null;
        }

        var order = Compare(start, end, node.Start, node.End);
        if (order < 0)
        {
            node.Left = Delete(node.Left, start, end, ref removed);
        }
        else if (order > 0)
        {
            node.Right = Delete(node.Right, start, end, ref removed);
        }
        else
        {
            removed = true;
            if (node.Left is null)
            {
                return node.Right;
            }

            if (node.Right is null)
            {
                return node.Left;
            }

            // Two children: the smallest node of the right subtree takes this one's place (moved, not copied).
            var right = TakeMin(node.Right, out var successor);
            successor.Left = node.Left;
            successor.Right = right;
            node = successor;
        }

        return Balance(node);
    }

    private static Node? TakeMin(Node node, out Node min)
    {
        if (node.Left is null)
        {
            min = node;
            return node.Right;
        }

        node.Left = TakeMin(node.Left, out min);
        return Balance(node);
    }

    private static int Height(Node? node) => node?.Height ?? 0;

    private static void Update(Node node)
    {
        node.Height = 1 + Math.Max(Height(node.Left), Height(node.Right));
        var max = node.End;
        if (node.Left is not null && CompareEnds(node.Left.MaxEnd, max) > 0)
        {
            max = node.Left.MaxEnd;
        }

        if (node.Right is not null && CompareEnds(node.Right.MaxEnd, max) > 0)
        {
            max = node.Right.MaxEnd;
        }

        node.MaxEnd = max;
    }

    private static Node Balance(Node node)
    {
        Update(node);
        var balance = Height(node.Left) - Height(node.Right);
        if (balance > 1)
        {
            if (Height(node.Left!.Left) < Height(node.Left.Right))
            {
                node.Left = RotateLeft(node.Left);
            }

            return RotateRight(node);
        }

        if (balance < -1)
        {
            if (Height(node.Right!.Right) < Height(node.Right.Left))
            {
                node.Right = RotateRight(node.Right);
            }

            return RotateLeft(node);
        }

        return node;
    }

    private static Node RotateRight(Node node)
    {
        var left = node.Left!;
        node.Left = left.Right;
        left.Right = node;
        Update(node);
        Update(left);
        return left;
    }

    private static Node RotateLeft(Node node)
    {
        var right = node.Right!;
        node.Right = right.Left;
        right.Left = node;
        Update(node);
        Update(right);
        return right;
    }

    private static int Validate(Node? node, Node? low, Node? high)
    {
        if (node is null)
        {
            return 0;
        }

        if ((low is not null && Compare(node.Start, node.End, low.Start, low.End) <= 0)
            || (high is not null && Compare(node.Start, node.End, high.Start, high.End) >= 0))
        {
            throw new InvalidOperationException("The tree is out of order.");
        }

        var count = 1 + Validate(node.Left, low, node) + Validate(node.Right, node, high);
        var height = node.Height;
        var maxEnd = node.MaxEnd;
        Update(node);
        if (height != node.Height || CompareEnds(maxEnd, node.MaxEnd) != 0 || Math.Abs(Height(node.Left) - Height(node.Right)) > 1)
        {
            throw new InvalidOperationException("A node's height, balance or subtree maximum is wrong.");
        }

        return count;
    }

    private sealed class Node(byte[] start, byte[] end, TValue value)
    {
        public byte[] Start { get; } = start;

        public byte[] End { get; } = end;

        public TValue Value { get; set; } = value;

        public byte[] MaxEnd { get; set; } = end;

        public int Height { get; set; } = 1;

        public Node? Left { get; set; }

        public Node? Right { get; set; }
    }
}
