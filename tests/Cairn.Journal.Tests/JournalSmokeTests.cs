using System.Text;
using Cairn.Storage.Sqlite;

namespace Cairn.Journal.Tests;

/// <summary>The journal's first promise on the embedded store: an appended step is there, and the first message wins.</summary>
public sealed class JournalSmokeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("cairn-journal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Append_ThenStatus_FirstMessageWins()
    {
        await using var store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_directory, "cairn.db") });
        var journal = new JournalService(store, new JournalOptions { SecondaryDirectory = Path.Combine(_directory, "secondary") });

        var first = await journal.AppendAsync("tx-1", "begin", Encoding.UTF8.GetBytes("""{"user_id":"u1"}"""));
        var again = await journal.AppendAsync("tx-1", "begin", Encoding.UTF8.GetBytes("""{"user_id":"u2"}"""));
        await journal.AppendAsync("tx-1", "commit", Encoding.UTF8.GetBytes("""{"ok":true}"""));

        Assert.True(first.Created);
        Assert.False(again.Created);
        var request = await journal.GetAsync("tx-1");
        Assert.NotNull(request);
        Assert.Equal(JournalState.Committed, request.State);
        Assert.Equal("u1", request.Fields.UserId);
        var status = await journal.GetStatusAsync("tx-1");
        Assert.Equal("""{"ok":true}""", Encoding.UTF8.GetString(status.Message.Span));
    }
}
