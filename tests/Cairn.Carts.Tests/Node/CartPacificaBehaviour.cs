using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Testing.Archive;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Carts.Tests.Node;

/// <summary>The seed's cases through the Pacifica archive interface over HTTP (the test server of
/// <c>Cairn.Testing.Archive</c> speaks its protocol; the real one is a Python service that cannot be installed here).
/// About the archive protocol, not the store: SQLite only.</summary>
public abstract class CartPacificaBehaviour(Backend backend) : CartsHarness(backend)
{
    private PacificaArchiveServer? _server;
    private HttpClient? _http;
    private CartStore? _carts;
    private CartNode? _node;

    private PacificaArchiveServer Server => _server!;

    private CartStore PacificaCarts => _carts!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _server = await PacificaArchiveServer.StartAsync();
        _http = new HttpClient();
        var archives = new CartArchives([new PacificaArchive(_http, _server.BaseUrl, TimeSpan.FromSeconds(30))], "pacifica");
        _carts = new CartStore(Store, Fast, archives, TimeProvider.System);
        _node = new CartNode(Store, _carts, archives, Fast, VolumePath("p"), "node-p", TimeProvider.System, NullLogger.Instance);
        await _node.StartAsync();
    }

    public override async Task DisposeAsync()
    {
        await _node!.DisposeAsync();
        _http!.Dispose();
        await _server!.DisposeAsync();
        await base.DisposeAsync();
    }

    private async Task<CartDto> SettledAsync(string uid)
    {
        CartDto? cart = null;
        await Eventually.UntilAsync(async () => CartStates.IsSettled((cart = await PacificaCarts.GetAsync(uid, false))!.State), Deadline, $"cart {uid} is settled");
        return cart!;
    }

    private CreateCartDto SeedOnServer()
    {
        foreach (var (id, content) in SeedFiles)
        {
            Server.Put(id, content);
        }

        return Request([("foo.txt", "1/2/3/foo.txt", SeedFiles["foo.txt"]), ("bar.csv", "1/2/3/bar.csv", SeedFiles["bar.csv"]), ("baz.ini", "2/3/4/baz.ini", SeedFiles["baz.ini"])]);
    }

    [Fact]
    public async Task TheSeedsCart_IsReady_AndItsTarHoldsTheFiles()
    {
        await PacificaCarts.CreateAsync("38", SeedOnServer(), true);
        var cart = await SettledAsync("38");

        Assert.Equal(CartStates.Ready, cart.State);
        await using var download = await _node!.OpenDownloadAsync(cart, "38.tar");
        var members = await ReadTarAsync(download.Content);
        Assert.Equal(SeedFiles["foo.txt"], members.Single(m => m.Name == "38/1/2/3/foo.txt").Data);
        Assert.Equal(SeedFiles["baz.ini"], members.Single(m => m.Name == "38/2/3/4/baz.ini").Data);
    }

    [Fact]
    public async Task AFileOnTapeForThreePolls_IsReady_WithAtMostTenStatusCalls()
    {
        var request = SeedOnServer();
        Server.SetTape("foo.txt", 3);

        await PacificaCarts.CreateAsync("tape", request, true);
        var cart = await SettledAsync("tape");

        Assert.Equal(CartStates.Ready, cart.State);
        Assert.InRange(Server.StatusCalls("foo.txt"), 1, 10);
    }

    [Fact]
    public async Task AStatusAnswering500WithoutHeaders_FailsTheCart()
    {
        var request = SeedOnServer();
        Server.FailStatus("bar.csv", int.MaxValue);

        await PacificaCarts.CreateAsync("sick", request, true);
        var cart = await SettledAsync("sick");

        Assert.Equal(CartStates.Error, cart.State);
        Assert.StartsWith("Failed to pull file(Failed to status file with error: ", cart.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingFile_FailsTheCart()
    {
        var request = SeedOnServer();
        Server.Remove("baz.ini");

        await PacificaCarts.CreateAsync("missing", request, true);
        var cart = await SettledAsync("missing");

        Assert.Equal(CartStates.Error, cart.State);
        Assert.StartsWith("Failed to pull file(Failed to stage with error: ", cart.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACutTransfer_IsResumedByRange()
    {
        var content = Bytes(1 << 20, 4);
        Server.Put("big", content);
        Server.FailGet("big", 1, 800_000);

        await PacificaCarts.CreateAsync("cut", Request([("big", "big.bin", content)], hashType: "sha1"), true);
        var cart = await SettledAsync("cut");

        Assert.Equal(CartStates.Ready, cart.State);
        Assert.Equal(2, Server.GetCalls("big"));

        // Starting over would cost the 800,000 bytes sent before the cut on top of the file; resuming at the bytes that
        // arrived costs only those lost in flight.
        Assert.InRange(Server.BytesServed("big"), content.Length, content.Length + 800_000 - 1);
    }
}
