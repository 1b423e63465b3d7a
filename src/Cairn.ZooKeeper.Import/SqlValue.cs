namespace Cairn.ZooKeeper.Import;

/// <summary>The value of one SQLite literal, as a dump writes it (SQLite's <c>quote()</c>): NULL, an integer, a real,
/// text or a blob.</summary>
internal abstract record SqlValue
{
    private SqlValue()
    {
    }

    /// <summary>What kind of value it is, for error messages.</summary>
    public abstract string Kind { get; }

    /// <summary><c>NULL</c>.</summary>
    public sealed record Null : SqlValue
    {
        /// <summary>The one NULL.</summary>
        public static Null Instance { get; } = new();

        public override string Kind => "NULL";
    }

    /// <summary>An integer literal (64-bit, as SQLite keeps them).</summary>
    public sealed record Integer(long Value) : SqlValue
    {
        public override string Kind => "an integer";
    }

    /// <summary>A real literal, infinities included.</summary>
    public sealed record Real(double Value) : SqlValue
    {
        public override string Kind => "a real";
    }

    /// <summary>A string literal.</summary>
    public sealed record Text(string Value) : SqlValue
    {
        public override string Kind => "text";
    }

    /// <summary>A blob literal <c>X'…'</c>.</summary>
    public sealed record Blob(byte[] Value) : SqlValue
    {
        public override string Kind => "a blob";
    }
}
