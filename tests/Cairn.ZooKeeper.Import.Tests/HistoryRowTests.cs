using System.Text;

namespace Cairn.ZooKeeper.Import.Tests;

/// <summary>A history row becomes the message whose status answer is, byte for byte, the original's.</summary>
public sealed class HistoryRowTests
{
    [Fact]
    public void Map_BuildsTheObjectTheOriginalAnswered_ForEachRowOfItsDump()
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.TwoRows);
        var columns = HistoryRow.Indexes(dump);

        var begin = HistoryRow.Map(columns, dump.Rows[0]);
        var commit = HistoryRow.Map(columns, dump.Rows[1]);

        Assert.Equal(("r-1", "begin"), (begin.RequestId, begin.Step));
        Assert.Equal(("r-1", "commit"), (commit.RequestId, commit.Step));
        // Cairn's compat status answers {"status": <message>}.
        Assert.Equal(OriginalDumps.BeginAnswer, "{\"status\": " + Encoding.UTF8.GetString(begin.Message) + "}");
        Assert.Equal(OriginalDumps.CommitAnswer, "{\"status\": " + Encoding.UTF8.GetString(commit.Message) + "}");
    }

    [Fact]
    public void Indexes_RefusesATableWithoutAColumnTheOriginalRead()
    {
        var dump = JournalHistoryDump.Parse("CREATE TABLE journal (id, request_id, step, payload);");

        var error = Assert.Throws<InvalidDataException>(() => HistoryRow.Indexes(dump));

        Assert.Contains("no column host", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'not json'", "its payload is not JSON")]
    [InlineData("'{\"a\": 1} {\"b\": 2}'", "its payload is not JSON")]
    [InlineData("X'00'", "its payload is a blob")]
    public void Map_RefusesARowTheOriginalCouldNotAnswerEither(string payload, string reason)
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.With(OriginalDumps.Row(1, "r", "commit", payload)));

        var error = Assert.Throws<InvalidDataException>(() => HistoryRow.Map(HistoryRow.Indexes(dump), dump.Rows[0]));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_RefusesARequestIdOrStepThatIsNotText()
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.With(OriginalDumps.Row(1, "r", "commit").Replace("'r'", "NULL", StringComparison.Ordinal)));

        var error = Assert.Throws<InvalidDataException>(() => HistoryRow.Map(HistoryRow.Indexes(dump), dump.Rows[0]));

        Assert.Contains("its request_id is NULL, not text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_ANullPayload_IsNull_AndNamedNumbersInAPayloadStayAsWritten()
    {
        var dump = JournalHistoryDump.Parse(OriginalDumps.With(OriginalDumps.Row(1, "r", "commit", "NULL"), OriginalDumps.Row(2, "r", "abort", "'[NaN, -Infinity]'")));
        var columns = HistoryRow.Indexes(dump);

        Assert.Contains("\"payload\": null,", Encoding.UTF8.GetString(HistoryRow.Map(columns, dump.Rows[0]).Message), StringComparison.Ordinal);
        Assert.Contains("\"payload\": [NaN, -Infinity],", Encoding.UTF8.GetString(HistoryRow.Map(columns, dump.Rows[1]).Message), StringComparison.Ordinal);
    }
}
