using System.Globalization;

namespace Cairn.ZooKeeper.Import;

/// <summary>
/// The rows of one history node of the original Journal: the text of Python's <c>sqlite3</c>
/// <c>Connection.iterdump()</c> of an in-memory database holding one table, <c>journal</c>, read as data.
/// </summary>
/// <remarks>
/// The text comes from outside (whoever could write the znode wrote it), so it is never given to SQLite: a statement
/// such as <c>ATTACH DATABASE '/etc/…'</c> or a <c>PRAGMA</c> would act on this machine. It is tokenized
/// (<see cref="SqlTokenizer"/>) and only the statements a dump of that table holds are accepted: <c>BEGIN
/// TRANSACTION</c>, <c>PRAGMA foreign_keys=OFF</c>, <c>CREATE TABLE journal (…)</c> (which gives the column order),
/// <c>INSERT INTO "journal" VALUES(…)</c> with literals only, <c>DELETE FROM "sqlite_sequence"</c> and <c>INSERT INTO
/// "sqlite_sequence" VALUES(…)</c> (the AUTOINCREMENT bookkeeping, ignored) and <c>COMMIT</c>. Anything else is refused
/// with an <see cref="InvalidDataException"/> naming the statement and its line.
/// </remarks>
internal sealed class JournalHistoryDump
{
    private const string Table = "journal";
    private const string Sequence = "sqlite_sequence";

    private JournalHistoryDump(IReadOnlyList<string> columns, IReadOnlyList<SqlValue[]> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>The columns of the <c>journal</c> table, in the order of its <c>CREATE TABLE</c>.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>Its rows in the order of the dump (rowid order, the order a query without ORDER BY found them in), one
    /// value per column.</summary>
    public IReadOnlyList<SqlValue[]> Rows { get; }

    /// <summary>Where column <paramref name="name"/> is (names compare without case, as in SQLite); -1 when the table has
    /// no such column.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (string.Equals(Columns[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Reads a dump; throws <see cref="InvalidDataException"/> for anything but the statements listed above.</summary>
    public static JournalHistoryDump Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var tokenizer = new SqlTokenizer(sql);
        List<string>? columns = null;
        var rows = new List<SqlValue[]>();
        var statement = new List<SqlToken>();
        var number = 0;
        var done = false;
        while (!done)
        {
            statement.Clear();
            while (true)
            {
                var token = tokenizer.Next();
                if (token is null)
                {
                    done = true;
                    break;
                }

                if (token.Value.IsSymbol(';'))
                {
                    break;
                }

                statement.Add(token.Value);
            }

            if (statement.Count == 0)
            {
                continue;
            }

            number++;
            try
            {
                Read(statement, ref columns, rows);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"statement {number} (line {statement[0].Line}): {ex.Message}", ex);
            }
        }

        if (columns is null)
        {
            throw new InvalidDataException("it has no CREATE TABLE journal: it is not a dump of the Journal's history.");
        }

        return new JournalHistoryDump(columns, rows);
    }

    private static void Read(List<SqlToken> s, ref List<string>? columns, List<SqlValue[]> rows)
    {
        if (Matches(s, "BEGIN") || Matches(s, "BEGIN", "TRANSACTION") || Matches(s, "COMMIT") || Matches(s, "COMMIT", "TRANSACTION")
            || Matches(s, "END") || Matches(s, "END", "TRANSACTION") || IsForeignKeysOff(s)
            || (s.Count == 3 && s[0].IsWord("DELETE") && s[1].IsWord("FROM") && s[2].IsName(Sequence)))
        {
            return;
        }

        if (s.Count > 2 && s[0].IsWord("CREATE") && s[1].IsWord("TABLE"))
        {
            var at = 2;
            if (s.Count > 5 && s[2].IsWord("IF") && s[3].IsWord("NOT") && s[4].IsWord("EXISTS"))
            {
                at = 5;
            }

            if (!s[at].IsName(Table))
            {
                throw Refused(s, $"a table other than {Table}");
            }

            if (columns is not null)
            {
                throw new InvalidDataException($"a second CREATE TABLE {Table}.");
            }

            columns = ColumnsOf(s, at + 1);
            return;
        }

        if (s.Count > 3 && s[0].IsWord("INSERT") && s[1].IsWord("INTO") && s[3].IsWord("VALUES"))
        {
            if (s[2].IsName(Sequence))
            {
                _ = ValueLists(s, 4, width: 2);
                return;
            }

            if (s[2].IsName(Table))
            {
                if (columns is null)
                {
                    throw new InvalidDataException($"an INSERT INTO {Table} before its CREATE TABLE.");
                }

                rows.AddRange(ValueLists(s, 4, columns.Count));
                return;
            }
        }

        throw Refused(s, null);
    }

    private static bool Matches(List<SqlToken> s, params string[] words) =>
        s.Count == words.Length && s.Select((t, i) => t.IsWord(words[i])).All(m => m);

    private static bool IsForeignKeysOff(List<SqlToken> s) =>
        s.Count == 4 && s[0].IsWord("PRAGMA") && s[1].IsName("foreign_keys") && s[2].IsSymbol('=') && (s[3].IsName("OFF") || s[3].Text == "0");

    private static InvalidDataException Refused(List<SqlToken> s, string? what)
    {
        var start = string.Join(' ', s.Take(3).Select(t => t.Kind is SqlTokenKind.Word or SqlTokenKind.Symbol ? t.Text : t.ToString()));
        return new InvalidDataException(
            $"'{start}…' ({what ?? "not a statement a history dump holds"}) is refused: a history node is read as data, never executed, and holds only BEGIN, "
            + $"CREATE TABLE {Table}, INSERT INTO {Table} VALUES(…), the {Sequence} bookkeeping and COMMIT.");
    }

    // The column names of CREATE TABLE …( def, def, … ): the first name of each definition at the outer level; table
    // constraints (PRIMARY KEY (…), UNIQUE, CHECK, FOREIGN KEY, CONSTRAINT …) are not columns.
    private static List<string> ColumnsOf(List<SqlToken> s, int at)
    {
        if (at >= s.Count || !s[at].IsSymbol('('))
        {
            throw new InvalidDataException($"CREATE TABLE {Table} without its column list.");
        }

        var columns = new List<string>();
        var depth = 0;
        var startOfDefinition = true;
        var i = at;
        for (; i < s.Count; i++)
        {
            var t = s[i];
            if (t.IsSymbol('('))
            {
                depth++;
                startOfDefinition = depth == 1;
                continue;
            }

            if (t.IsSymbol(')'))
            {
                depth--;
                if (depth == 0)
                {
                    break;
                }

                continue;
            }

            if (depth == 1 && t.IsSymbol(','))
            {
                startOfDefinition = true;
                continue;
            }

            if (startOfDefinition)
            {
                startOfDefinition = false;
                var constraint = t.IsWord("CONSTRAINT") || t.IsWord("PRIMARY") || t.IsWord("UNIQUE") || t.IsWord("CHECK") || t.IsWord("FOREIGN");
                if (!constraint)
                {
                    if (t.Kind is not (SqlTokenKind.Word or SqlTokenKind.QuotedName))
                    {
                        throw new InvalidDataException($"CREATE TABLE {Table}: {t} is not a column name.");
                    }

                    columns.Add(t.Text);
                }
            }
        }

        if (depth != 0)
        {
            throw new InvalidDataException($"CREATE TABLE {Table}: the column list is not closed.");
        }

        // Only WITHOUT ROWID or STRICT may follow the list; neither changes the columns.
        if (columns.Count == 0 || s.Skip(i + 1).Any(t => !(t.IsWord("WITHOUT") || t.IsWord("ROWID") || t.IsWord("STRICT") || t.IsSymbol(','))))
        {
            throw new InvalidDataException($"CREATE TABLE {Table}: not the plain column list of a dump.");
        }

        return columns;
    }

    // VALUES (v, …) [, (v, …)]…: each list of exactly `width` literals.
    private static List<SqlValue[]> ValueLists(List<SqlToken> s, int at, int width)
    {
        var rows = new List<SqlValue[]>();
        var i = at;
        while (true)
        {
            Expect(s, i++, '(');
            var row = new List<SqlValue>(width);
            while (true)
            {
                row.Add(Literal(s, ref i));
                if (i < s.Count && s[i].IsSymbol(','))
                {
                    i++;
                    continue;
                }

                Expect(s, i++, ')');
                break;
            }

            if (row.Count != width)
            {
                throw new InvalidDataException($"a row of {row.Count} values where the table has {width} columns.");
            }

            rows.Add([.. row]);
            if (i == s.Count)
            {
                return rows;
            }

            Expect(s, i++, ',');
        }
    }

    private static void Expect(List<SqlToken> s, int i, char symbol)
    {
        if (i >= s.Count)
        {
            throw new InvalidDataException($"the statement ends where '{symbol}' was expected.");
        }

        if (!s[i].IsSymbol(symbol))
        {
            throw new InvalidDataException($"{s[i]} on line {s[i].Line} where '{symbol}' was expected.");
        }
    }

    // A literal as quote() writes one: NULL, [-]integer, [-]real (Inf and -Inf as SQLite 3.40's quote() wrote infinities,
    // and 9.0e+999 as later ones do), 'text', X'blob'. Expressions, names and anything else are refused.
    private static SqlValue Literal(List<SqlToken> s, ref int i)
    {
        if (i >= s.Count)
        {
            throw new InvalidDataException("the statement ends where a value was expected.");
        }

        var sign = "";
        if (s[i].IsSymbol('-') || s[i].IsSymbol('+'))
        {
            sign = s[i].Text;
            i++;
            if (i >= s.Count || !(s[i].Kind == SqlTokenKind.Number || s[i].IsWord("Inf")))
            {
                throw new InvalidDataException($"a sign '{sign}' not followed by a number.");
            }
        }

        var t = s[i++];
        switch (t.Kind)
        {
            case SqlTokenKind.Number:
                if (!t.Text.Contains('.', StringComparison.Ordinal) && !t.Text.Contains('e', StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(sign + t.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return new SqlValue.Integer(integer);
                }

                // A decimal integer too large for 64 bits is a real in SQLite too.
                return new SqlValue.Real(double.Parse(sign + t.Text, NumberStyles.Float, CultureInfo.InvariantCulture));
            case SqlTokenKind.Word when t.IsWord("Inf"):
                return new SqlValue.Real(sign == "-" ? double.NegativeInfinity : double.PositiveInfinity);
            case SqlTokenKind.Word when t.IsWord("NULL"):
                return SqlValue.Null.Instance;
            case SqlTokenKind.String:
                return new SqlValue.Text(t.Text);
            case SqlTokenKind.Blob:
                return new SqlValue.Blob(Convert.FromHexString(t.Text));
            default:
                throw new InvalidDataException($"{t} on line {t.Line} is not a literal (NULL, a number, 'text' or X'blob'); a dump holds nothing else in VALUES.");
        }
    }
}
