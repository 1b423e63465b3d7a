namespace Cairn.ZooKeeper.Import;

/// <summary>What a token of SQLite's SQL is.</summary>
internal enum SqlTokenKind
{
    /// <summary>A bare word: a keyword or an unquoted name (<c>INSERT</c>, <c>journal</c>, <c>NULL</c>).</summary>
    Word,

    /// <summary>A quoted name: <c>"journal"</c>, <c>[journal]</c> or <c>`journal`</c>; the text is the name.</summary>
    QuotedName,

    /// <summary>A string literal <c>'…'</c>; the text is its value (<c>''</c> read as one <c>'</c>).</summary>
    String,

    /// <summary>A blob literal <c>X'…'</c>; the text is its hexadecimal digits.</summary>
    Blob,

    /// <summary>A decimal number without its sign (<c>17</c>, <c>1.5</c>, <c>1.0e+20</c>); the text as written.</summary>
    Number,

    /// <summary>One punctuation character: <c>( ) , ; = . + -</c> and the like.</summary>
    Symbol,
}

/// <summary>One token of SQL text, with where it starts (for error messages).</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Text">Its text (for literals and quoted names, the value).</param>
/// <param name="Line">The 1-based line it starts on.</param>
internal readonly record struct SqlToken(SqlTokenKind Kind, string Text, int Line)
{
    /// <summary>True for the bare word <paramref name="word"/>, in any case (SQL keywords are not case-sensitive).</summary>
    public bool IsWord(string word) => Kind == SqlTokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>True for the symbol <paramref name="symbol"/>.</summary>
    public bool IsSymbol(char symbol) => Kind == SqlTokenKind.Symbol && Text.Length == 1 && Text[0] == symbol;

    /// <summary>True for a bare or quoted name equal to <paramref name="name"/> (SQLite compares names without case).</summary>
    public bool IsName(string name) => Kind is SqlTokenKind.Word or SqlTokenKind.QuotedName && string.Equals(Text, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The token as an error message shows it.</summary>
    public override string ToString() => Kind switch
    {
        SqlTokenKind.String => "a string",
        SqlTokenKind.Blob => "a blob",
        SqlTokenKind.QuotedName => $"\"{Shorten(Text)}\"",
        _ => $"'{Shorten(Text)}'",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 39), "…");
}
