using Cairn.Server.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// A server of one test's own, on SQLite, with auth on: users <c>root</c> (role root) and <c>reader</c> (kv read on
/// every key), roles <c>reader</c> and <c>appender</c> (journal append), the key <c>a/seeded</c>. For what needs another
/// server (its tokens are foreign to the fixture's) or settings of its own (Unix users, listener roles).
/// </summary>
internal sealed class LoneSecureServer : IAsyncDisposable
{
    private LoneSecureServer(CairnServer server, string dataDir, string rootToken)
    {
        Server = server;
        DataDir = dataDir;
        RootToken = rootToken;
    }

    public CairnServer Server { get; }

    public string DataDir { get; }

    /// <summary>A login token of root.</summary>
    public string RootToken { get; }

    /// <summary>This server's node credential.</summary>
    public string NodeToken => Server.Services.GetRequiredService<AccessControl>().NodeToken ?? throw new InvalidOperationException("Auth is on, yet there is no node credential.");

    public string TcpEndpoint => Server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal));

    /// <summary>Starts it (the TCP listener and <paramref name="settings"/>, which may use <c>{data}</c> for its data
    /// directory), sets auth up over HTTP while it is off, and turns it on.</summary>
    public static async Task<LoneSecureServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "cairn-lone-" + Guid.NewGuid().ToString("N")[..10]);
        var all = new Dictionary<string, string?>
        {
            ["DataDir"] = dataDir,
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Auth:BcryptCost"] = "4",
            ["Cluster:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value?.Replace("{data}", dataDir, StringComparison.Ordinal);
        }

        var server = await CairnServer.StartAsync([], all);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(server.Addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal))) };
            using (var put = await http.PutAsync("/v1/kv/" + SecureServer.SeededKey, new StringContent("seeded value")))
            {
                Assert.True(put.IsSuccessStatusCode, $"seeding: {(int)put.StatusCode}");
            }

            await AuthApi.AddRoleAsync(http, SecureServer.ReaderUser, AuthApi.Grant(Contracts.AuthResources.Kv, "", "read"));
            await AuthApi.AddRoleAsync(http, SecureServer.AppenderRole, AuthApi.Grant(Contracts.AuthResources.Journal, "", "append"));
            var password = SecureServer.NewPassword();
            await AuthApi.AddUserAsync(http, SecureServer.RootUser, password, "root");
            await AuthApi.AddUserAsync(http, SecureServer.ReaderUser, SecureServer.NewPassword(), SecureServer.ReaderUser);
            await AuthApi.EnableAsync(http);
            var token = (await AuthApi.LoginAsync(http, SecureServer.RootUser, password)).Token;
            return new LoneSecureServer(server, dataDir, token);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
