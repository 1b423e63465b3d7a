using System.Net;
using System.Net.Sockets;

namespace Cairn.Cli.Tests.Security;

/// <summary>
/// <c>--cacert</c>, <c>--cert</c> and <c>--key</c> as etcdctl has them: a client trusts the server's CA only when told,
/// presents its certificate when given, and <c>cairn serve</c> takes the same options as its own certificate and client CA.
/// </summary>
public sealed class CliTlsTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly TestCertificates _ca = TestCertificates.CreateInTemp();

    public void Dispose()
    {
        _ca.Dispose();
        _ca.DeleteDirectory();
    }

    [Fact]
    public async Task Serve_WithCertKeyAndCacert_ServesHttps_ThatClientsReachWithCacert_AndTheirCertificate()
    {
        var server = _ca.IssueServer();
        var alice = _ca.IssueClient("alice");
        using var other = _ca.CreateUnrelated();
        var foreign = other.IssueClient("alice");
        var endpoint = $"https://127.0.0.1:{FreePort()}";
        var cli = new AuthCli(endpoint, _ca.Directory);
        using var serve = ChildCairn.Start(
            "serve", "--data-dir", Path.Combine(_ca.Directory, "data"), "--durability", "none", "--listen", endpoint,
            "--cert", server.CertFile, "--key", server.KeyFile, "--cacert", _ca.CaFile);

        CliRun? status = null;
        try
        {
            await Eventually.UntilAsync(
                async () => (status = await cli.RunAsync("status", "--cacert", _ca.CaFile)).ExitCode == 0 || serve.Process.HasExited,
                Deadline,
                "the server answers over https");
            Assert.True(status!.ExitCode == 0, $"cairn serve: {serve.Error}\ncairn status: {status.Error}");
        }
        catch (TimeoutException)
        {
            Assert.Fail($"cairn serve did not answer over https: {serve.Error}\ncairn status: {status?.Error}");
        }

        var withCertificate = await cli.RunAsync("status", "--cacert", _ca.CaFile, "--cert", alice.CertFile, "--key", alice.KeyFile);
        var fromEnvironment = await cli.WithVariable("CAIRN_CACERT", _ca.CaFile).WithVariable("CAIRN_CERT", alice.PemFile).RunAsync("status");
        var untrusted = await new AuthCli(endpoint, _ca.Directory).RunAsync("status");
        var foreignCertificate = await new AuthCli(endpoint, _ca.Directory).RunAsync("status", "--cacert", _ca.CaFile, "--cert", foreign.CertFile, "--key", foreign.KeyFile);

        Assert.Contains("https://127.0.0.1", withCertificate.Out, StringComparison.Ordinal);
        Assert.Equal(0, fromEnvironment.ExitCode);
        Assert.Contains(endpoint, untrusted.AssertOneLineError(), StringComparison.Ordinal);
        foreignCertificate.AssertOneLineError();
    }

    [Fact]
    public async Task AMissingCacertFile_FailsWithOneLine_NamingTheOption()
    {
        var run = await new AuthCli("https://127.0.0.1:1", _ca.Directory).RunAsync("status", "--cacert", Path.Combine(_ca.Directory, "nope.pem"));

        Assert.Contains("--cacert", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUserWithoutPassword_AndNoTerminal_FailsWithOneLine_SayingHowToGiveIt()
    {
        var run = await new AuthCli("http://127.0.0.1:1", _ca.Directory).RunAsync("kv", "get", "k", "--user", "root");

        Assert.Contains("--user root:PASSWORD", run.AssertOneLineError(), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
