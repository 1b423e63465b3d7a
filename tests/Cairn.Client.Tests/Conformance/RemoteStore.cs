using Cairn.Core;
using Cairn.Server;

namespace Cairn.Client.Tests.Conformance;

/// <summary>
/// A fresh server on an empty data directory, reached only through <see cref="CairnClient"/>: the contract suites run
/// over real HTTP, so client, wire format, server and store must together behave like the store alone.
/// </summary>
internal sealed class RemoteStore : IKeyspace
{
    private readonly CairnServer _server;
    private readonly CairnClient _client;
    private readonly string _dataDir;

    private RemoteStore(CairnServer server, CairnClient client, string dataDir)
    {
        _server = server;
        _client = client;
        _dataDir = dataDir;
    }

    public static async Task<IKeyspace> StartAsync(bool unixSocket = false)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cairn-remote-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        var server = await CairnServer.StartAsync([], new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir,
            ["Listen:0"] = unixSocket ? "unix:" + Path.Combine(dataDir, "c.sock") : "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        return new RemoteStore(server, new CairnClient(server.Addresses[0]), dataDir);
    }

    public ValueTask<RangeResult> RangeAsync(RangeRequest request, CancellationToken cancellationToken = default) => _client.RangeAsync(request, cancellationToken);

    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken = default) => _client.PutAsync(request, cancellationToken);

    public ValueTask<DeleteResult> DeleteAsync(DeleteRequest request, CancellationToken cancellationToken = default) => _client.DeleteAsync(request, cancellationToken);

    public ValueTask<TxnResult> TxnAsync(TxnRequest request, CancellationToken cancellationToken = default) => _client.TxnAsync(request, cancellationToken);

    public ValueTask<CompactResult> CompactAsync(long revision, CancellationToken cancellationToken = default) => _client.CompactAsync(revision, cancellationToken);

    public ValueTask<StoreStatus> StatusAsync(CancellationToken cancellationToken = default) => _client.StatusAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }
}
