using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests;

/// <summary>
/// A server with every module on (keyspace, leases, watches, blobs and the Pulzar API, the journal and its compat API,
/// extensions with the shipped example, the .NET example and the built-in search) for <see cref="FuzzTests"/>, with
/// nothing that writes on its own while requests are checked: the cluster member is off (no node registration, no leader
/// work) and the clock is fake and never moved, so no lease expires and no background loop comes round again. Any
/// change of the store revision across an answer is then that request's.
/// </summary>
public sealed class FuzzServerFixture : ServerFixture, IAsyncLifetime
{
    public FuzzServerFixture()
        : base(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
        ProgramDirectories.Create(ExtensionsDir);
        File.Copy(Path.Combine(VolumeServerFixture.RepoRoot, "extensions", "example"), Path.Combine(ExtensionsDir, "example"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Cairn.Extensions.Example.dll"), Path.Combine(ExtensionsDir, "wordcount.dll"));
        Settings["Cluster:Enabled"] = "false";
        Settings["Extensions:Directory"] = ExtensionsDir;
        Settings["Extensions:Timeout"] = "5s";

        // No worker: a fuzzed job that is accepted stays enqueued, so nothing writes to the store between a request and
        // the check that a refused one changed nothing.
        Settings["Jobs:Workers"] = "0";

        // Nor does any cart get staged: an accepted one stays waiting.
        Settings["Carts:MaxActiveCarts"] = "0";

        // Users made by the auth family hash their passwords at bcrypt's cheapest cost.
        Settings["Auth:BcryptCost"] = "4";
    }

    /// <summary>Beside the data directory: extensions run as nobody, who cannot enter the data directory.</summary>
    public string ExtensionsDir => DataDir + "-ext";

    public string VolumeDir => Path.Combine(DataDir, "volumes");

    /// <summary>The one client every generated request goes through: HTTP/1.1, no redirects, header values sent as UTF-8
    /// (Kestrel, not the client, must refuse what is not ASCII), no timeout of its own (each
    /// request has its own deadline, so that a hang is reported as one).</summary>
    public HttpClient Http { get; private set; } = null!;

    // Re-implemented so that the client is made once the server listens, and disposed before it stops.
    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 })
        {
            BaseAddress = new Uri(TcpEndpoint),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        Http?.Dispose();
        await DisposeAsync();
        ProgramDirectories.Delete(ExtensionsDir);
    }
}
