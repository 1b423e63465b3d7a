using System.Net;
using System.Text;
using Cairn.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests;

/// <summary>
/// Large journal messages on etcd, which refuses any request over 1.5 MiB: a 10 MB message round-trips through the
/// seed's API on a node whose store is the assembly's etcd (emptied first), with only a pointer in etcd; a pass that
/// folds at once and keeps no history exports it and removes its blob.
/// </summary>
[Collection(EtcdBackend.Collection)]
public sealed class JournalLargeMessageEtcdTests(EtcdBackend etcd) : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-journal-large-etcd-").FullName;
    private CairnServer? _node;

    private CairnServer Node => _node ?? throw new InvalidOperationException("Not started.");

    private string JournalSocket => Path.Combine(_dir, "journal.sock");

    public async Task InitializeAsync()
    {
        await etcd.EmptyAsync();
        _node = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = _dir,
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Backend"] = "etcd",
            ["Etcd:Endpoints"] = etcd.Endpoint,
            ["Backend:StartTimeout"] = "10",
            ["NodeId"] = "node-large",
            ["Journal:Listen:0"] = "unix:" + JournalSocket,
            ["Journal:FoldAge"] = "0",
            ["Journal:Retention"] = "0",
            ["Journal:ExportInterval"] = "365d",
            ["Logging:LogLevel:Default"] = "Warning",
        });
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ATenMegabyteMessage_RoundTripsOnEtcd_ThenFoldExportAndRetentionRemoveItsBlob()
    {
        var txid = JournalHttp.NewTxid("etcd");
        var message = LargeMessages.Of(txid, 10_000_000);
        var keyspace = Node.Services.GetRequiredService<IKeyspace>();
        using var seed = ServerFixture.UnixHttpClient(JournalSocket);
        using var http = new HttpClient { BaseAddress = new Uri(Node.Addresses[0]), Timeout = TimeSpan.FromSeconds(60) };

        await LargeMessages.PostAsync(seed, "", txid, "begin", Encoding.UTF8.GetBytes("""{"user_id":"u1"}"""));
        await LargeMessages.PostAsync(seed, "", txid, "commit", message);

        Assert.Equal(LargeMessages.SeedStatus(message), await LargeMessages.StatusBytesAsync(seed, "", txid));
        await LargeMessages.AssertJournalValuesAreSmallAsync(keyspace, txid, 64 * 1024);
        var blob = Assert.Single(await LargeMessages.BlobKeysAsync(keyspace));

        // One pass folds it (fold age 0), exports it, and removes it (retention 0), blob and all.
        var files = await LargeMessages.ExportAsync(http);
        var row = files.SelectMany(LargeMessages.CsvRows).Single(r => r.Contains(",commit,", StringComparison.Ordinal));
        Assert.Equal(LargeMessages.PayloadOf(message), row.Split(',')[^1]);
        await Eventually.UntilAsync(
            async () =>
            {
                if ((await LargeMessages.BlobKeysAsync(keyspace)).Count == 0)
                {
                    return true;
                }

                // A segment folded in the very instant of the retention cutoff is kept by that pass: run another.
                await LargeMessages.ExportAsync(http);
                return false;
            },
            TimeSpan.FromSeconds(30),
            "retention removes the folded request's blob");
        Assert.DoesNotContain(blob, await LargeMessages.BlobKeysAsync(keyspace));
        var (code, _, _) = await JournalHttp.CompatStatusAsync(seed, "", txid);
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Empty((await keyspace.RangeAsync(new RangeRequest(KeyRange.Prefix("/cairn/journal/pending/")))).Kvs);
    }
}
