using System.Text;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>The history dump is read as data: the original's dumps give their rows, and nothing else passes.</summary>
public sealed class JournalHistoryDumpTests
{
    [Fact]
    public void Parse_ReadsTheOriginalsDump_ColumnsInTableOrder_RowsWithTheirLiteralValues()
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.TwoRows);

        Assert.Equal(
            ["id", "date", "authuser_id", "user_id", "as_role", "request_id", "transaction_id", "step", "host", "resource", "resourcegroup", "verb", "resourcepk", "payload", "cm"],
            dump.Columns);
        Assert.Equal(2, dump.Rows.Count);
        var commit = dump.Rows[1];
        Assert.Equal(new SqlValue.Integer(2), commit[0]);
        Assert.Equal(new SqlValue.Real(1.5), commit[1]);
        Assert.Equal(new SqlValue.Text("usér"), commit[3]);
        Assert.Equal(new SqlValue.Text("o'brien;\nATTACH"), commit[dump.IndexOf("host")]);
        Assert.Equal(new SqlValue.Text("{\"files\": [1, 2.5, null, \"\\u2603\"], \"ok\": true}"), commit[dump.IndexOf("PAYLOAD")]);
        Assert.Same(SqlValue.Null.Instance, dump.Rows[0][dump.IndexOf("as_role")]);
    }

    [Fact]
    public void Parse_TakesEveryLiteralAQuoteWrites_NegativeNumbers_Reals_Infinities_Blobs_AndManyRowsInOneInsert()
    {
        var dump = JournalHistoryDump.Parse("""
            CREATE TABLE "journal" (a, "b c", [d], `e`, f, g, PRIMARY KEY (a, f));
            INSERT INTO journal VALUES(-7, 1.0e+20, Inf, -Inf, 9.0e+999, X'00fF'), (9223372036854775807, -9223372036854775808, 99999999999999999999, '', 'it''s', NULL);
            """);

        Assert.Equal(["a", "b c", "d", "e", "f", "g"], dump.Columns);
        Assert.Equal(
            new SqlValue[] { new SqlValue.Integer(-7), new SqlValue.Real(1e20), new SqlValue.Real(double.PositiveInfinity), new SqlValue.Real(double.NegativeInfinity), new SqlValue.Real(double.PositiveInfinity), dump.Rows[0][5] },
            dump.Rows[0]);
        Assert.Equal(new byte[] { 0x00, 0xFF }, Assert.IsType<SqlValue.Blob>(dump.Rows[0][5]).Value);
        Assert.Equal(new SqlValue.Integer(long.MaxValue), dump.Rows[1][0]);
        Assert.Equal(new SqlValue.Integer(long.MinValue), dump.Rows[1][1]);
        Assert.Equal(new SqlValue.Real(1e20), dump.Rows[1][2]);
        Assert.Equal(new SqlValue.Text(""), dump.Rows[1][3]);
        Assert.Equal(new SqlValue.Text("it's"), dump.Rows[1][4]);
    }

    [Fact]
    public void Parse_TakesTheDumpOfLaterPythons_ForeignKeysOff_AndTheSequenceAtTheEnd_AndComments()
    {
        var dump = JournalHistoryDump.Parse("""
            PRAGMA foreign_keys=OFF;
            BEGIN TRANSACTION;
            -- a comment
            CREATE TABLE journal (id INTEGER, /* inline */ request_id TEXT);
            INSERT INTO "journal" VALUES(1,'a');;
            DELETE FROM "sqlite_sequence";
            INSERT INTO "sqlite_sequence" VALUES('journal',1);
            COMMIT;
            """);

        Assert.Equal(["id", "request_id"], dump.Columns);
        Assert.Single(dump.Rows);
    }

    [Fact]
    public void Parse_ASemicolonOrAStatementInsideAString_IsPartOfTheString()
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.With(OriginalDumps.Row(1, "x'); ATTACH DATABASE '/tmp/evil' AS e; --", "begin")));

        Assert.Equal(new SqlValue.Text("x'); ATTACH DATABASE '/tmp/evil' AS e; --"), Assert.Single(dump.Rows)[dump.IndexOf("request_id")]);
    }

    [Theory]
    [InlineData("ATTACH DATABASE '/etc/passwd' AS p", "'ATTACH DATABASE a string…'")]
    [InlineData("attach '/tmp/x.db' as x", "'attach a string as…'")]
    [InlineData("DETACH DATABASE p", "'DETACH DATABASE p…'")]
    [InlineData("PRAGMA writable_schema=ON", "'PRAGMA writable_schema =…'")]
    [InlineData("SELECT load_extension('/tmp/x.so')", "'SELECT load_extension (…'")]
    [InlineData("DROP TABLE journal", "'DROP TABLE journal…'")]
    [InlineData("CREATE TRIGGER t AFTER INSERT ON journal BEGIN SELECT 1; END", "'CREATE TRIGGER t…'")]
    [InlineData("CREATE TABLE other (a)", "a table other than journal")]
    [InlineData("INSERT INTO other VALUES(1)", "'INSERT INTO other…'")]
    [InlineData("INSERT INTO journal SELECT * FROM other", "'INSERT INTO journal…'")]
    [InlineData("UPDATE journal SET step='commit'", "'UPDATE journal SET…'")]
    [InlineData("VACUUM INTO '/tmp/copy.db'", "'VACUUM INTO a string…'")]
    public void Parse_RefusesEveryOtherStatement_NamingIt_AndItsPlace(string statement, string named)
    {
        var sql = OriginalDumps.With(OriginalDumps.Row(1, "a", "begin"), statement + ";");

        var error = Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse(sql));

        Assert.StartsWith("statement 4 (line ", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.Contains("never executed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("INSERT INTO \"journal\" VALUES(1,'never closed", "a string starting with ' is not closed")]
    [InlineData("INSERT INTO \"journal\" VALUES(1,\"never closed", "a quoted name starting with \" is not closed")]
    [InlineData("INSERT INTO \"journal\" VALUES(1, X'0', 2);", "even number of hexadecimal digits")]
    [InlineData("INSERT INTO \"journal\" VALUES(0x10);", "hexadecimal number")]
    [InlineData("INSERT INTO \"journal\" VALUES(1e);", "exponent without digits")]
    [InlineData("/* never closed", "a /* comment is not closed")]
    [InlineData("INSERT INTO \"journal\" VALUES(1+1);", "'+' on line")]
    [InlineData("INSERT INTO \"journal\" VALUES(char(65));", "'char' on line")]
    [InlineData("INSERT INTO \"journal\" VALUES(-'1');", "a sign '-' not followed by a number")]
    [InlineData("INSERT INTO \"journal\" VALUES(TRUE);", "'TRUE' on line")]
    [InlineData("INSERT INTO \"journal\" VALUES(1, 2);", "a row of 2 values where the table has 15 columns")]
    [InlineData("INSERT INTO \"journal\" VALUES(1", "the statement ends where ')' was expected")]
    [InlineData("\u0001", "U+0001 starts no SQL token")]
    public void Parse_RefusesMalformedOrUnexpectedText_SayingWhat(string tail, string reason)
    {
        var sql = OriginalDumps.With() + "\n" + tail;

        var error = Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse(sql));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesAnythingAfterTheValues()
    {
        var sql = OriginalDumps.With(OriginalDumps.Row(1, "a", "begin").TrimEnd(';') + " ON CONFLICT DO NOTHING;");

        var error = Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse(sql));

        Assert.Contains("'ON' on line 19 where ',' was expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesRowsBeforeTheTable_ASecondTable_AndADumpWithoutTheTable()
    {
        Assert.Contains("before its CREATE TABLE", Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse("INSERT INTO journal VALUES(1); CREATE TABLE journal (a);")).Message, StringComparison.Ordinal);
        Assert.Contains("a second CREATE TABLE", Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse("CREATE TABLE journal (a); CREATE TABLE IF NOT EXISTS journal (a);")).Message, StringComparison.Ordinal);
        Assert.Contains("no CREATE TABLE journal", Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse("BEGIN TRANSACTION; COMMIT;")).Message, StringComparison.Ordinal);
        Assert.Contains("no CREATE TABLE journal", Assert.Throws<InvalidDataException>(() => JournalHistoryDump.Parse("")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ALargeDump_IsReadInOnePass()
    {
        var rows = Enumerable.Range(1, 20_000).Select(i => OriginalDumps.Row(i, $"r-{i}", "begin")).ToArray();
        var sql = OriginalDumps.With(rows);

        var dump = JournalHistoryDump.Parse(sql);

        Assert.Equal(20_000, dump.Rows.Count);
        Assert.Equal(new SqlValue.Text("r-20000"), dump.Rows[^1][dump.IndexOf("request_id")]);
        Assert.True(Encoding.UTF8.GetByteCount(sql) > 1_000_000);
    }
}
