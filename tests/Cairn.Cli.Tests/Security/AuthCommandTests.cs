using System.Text.Json;
using Cairn.Client;
using Cairn.Contracts;

namespace Cairn.Cli.Tests.Security;

/// <summary>
/// <c>cairn auth|user|role|token|login|logout</c> and the global credentials against a real server (SQLite, over TCP:
/// a Unix socket peer of the server's own uid would be root), each test on a server of its own since enabling auth is
/// the whole server's state.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AuthCommandTests : IAsyncLifetime
{
    private const string RootPassword = "root-pw";

    private readonly ServerFixture _server = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cairn-cliauth-" + Guid.NewGuid().ToString("N")[..12]);
    private AuthCli _cli = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server.Settings["Auth:BcryptCost"] = "4";
        await _server.InitializeAsync();
        _cli = new AuthCli(_server.TcpEndpoint, _directory);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static void Ok(CliRun run) => Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Error}");

    // The walkthrough of etcd's docs: a root user with the root role, then enable.
    private async Task BootstrapAsync()
    {
        Ok(await _cli.RunAsync("user", "add", "root", "--password", RootPassword));
        Ok(await _cli.RunAsync("user", "grant-role", "root", "root"));
        Ok(await _cli.RunAsync("auth", "enable"));
    }

    [Fact]
    public async Task Bootstrap_Login_KvPut_Logout_ThenKvPutFailsWithOneLine()
    {
        var add = await _cli.RunAsync("user", "add", "root", "--password", RootPassword);
        var grant = await _cli.RunAsync("user", "grant-role", "root", "root");
        var enable = await _cli.RunAsync("auth", "enable");
        var refused = await _cli.RunAsync("kv", "put", "k", "v");
        var login = await _cli.RunWithStdinAsync(RootPassword + "\n", "login", "root");
        var put = await _cli.RunAsync("kv", "put", "k", "v");
        var status = await _cli.RunAsync("auth", "status", "--json");
        var stored = CairnTokenFile.Read(_cli.TokenFile);
        var mode = File.GetUnixFileMode(_cli.TokenFile);
        var logout = await _cli.RunAsync("logout");
        var afterLogout = await _cli.RunAsync("kv", "put", "k", "v2");

        Assert.Equal("user root added\n", add.Out);
        Assert.Equal("role root granted to root\n", grant.Out);
        Assert.Equal("authentication enabled\n", enable.Out);
        Assert.Contains("run cairn login", refused.AssertOneLineError(), StringComparison.Ordinal);
        Ok(login);
        Assert.Contains("logged in as root", login.Out, StringComparison.Ordinal);
        Ok(put);
        var auth = JsonSerializer.Deserialize<AuthStatusDto>(status.Out, WireJson.Options)!;
        Assert.Equal((true, "root", "token"), (auth.Enabled, auth.User, auth.Via));
        Assert.Equal(_server.TcpEndpoint, stored!.Endpoint);
        Assert.StartsWith("cairn_", stored.Token, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.Token, login.Out + login.Error, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Ok(logout);
        Assert.False(File.Exists(_cli.TokenFile));
        Assert.Contains("run cairn login", afterLogout.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoginAndUserAdd_AskOnTheTerminal_TwiceForANewPassword_AndAMismatchChangesNothing()
    {
        _cli.Terminal = new Queue<string>(["pw1", "pw1", "pw2", "pw3", "pw1"]);

        var add = await _cli.RunAsync("user", "add", "carol");
        var mismatch = await _cli.RunAsync("user", "passwd", "carol");
        var login = await _cli.RunAsync("login", "carol");

        Ok(add);
        Assert.Contains("do not match", mismatch.AssertOneLineError(), StringComparison.Ordinal);
        Ok(login);
        Assert.Equal(["New password for carol: ", "Again: ", "New password for carol: ", "Again: ", "Password for carol: "], _cli.Prompts);
    }

    [Fact]
    public async Task AWrongPassword_FailsWithOneLine_AndWritesNoTokenFile()
    {
        await BootstrapAsync();

        var login = await _cli.RunWithStdinAsync("wrong\n", "login", "root");

        Assert.Contains("Wrong user name or password", login.AssertOneLineError(), StringComparison.Ordinal);
        Assert.False(File.Exists(_cli.TokenFile));
    }

    [Fact]
    public async Task RoleGrantAndRevoke_ChangeWhatAUserMayDo_AtOnce()
    {
        await BootstrapAsync();
        var root = "root:" + RootPassword;
        Ok(await _cli.RunAsync("role", "add", "app", "--user", root));
        var grant = await _cli.RunAsync("role", "grant", "app", "kv", "readwrite", "/app/", "--prefix", "--user", root);
        Ok(await _cli.RunAsync("role", "grant-permission", "app", "read", "/shared/", "--prefix", "--user", root));
        Ok(await _cli.RunAsync("user", "add", "alice", "--password", "alice-pw", "--user", root));
        Ok(await _cli.RunAsync("user", "grant-role", "alice", "app", "--user", root));

        var allowed = await _cli.RunAsync("kv", "put", "/app/x", "1", "--user", "alice:alice-pw");
        var denied = await _cli.RunAsync("kv", "put", "/other/x", "1", "--user", "alice:alice-pw");
        var get = await _cli.RunAsync("role", "get", "app", "--user", root);
        var json = await _cli.RunAsync("role", "get", "app", "--json", "--user", root);
        var revoke = await _cli.RunAsync("role", "revoke", "app", "kv", "write", "/app/", "--prefix", "--user", root);
        var deniedNow = await _cli.RunAsync("kv", "put", "/app/y", "1", "--user", "alice:alice-pw");
        var stillReads = await _cli.RunAsync("kv", "get", "/app/x", "--user", "alice:alice-pw");
        var users = await _cli.RunAsync("user", "ls", "--json", "--user", root);
        var alice = await _cli.RunAsync("user", "get", "alice", "--user", root);
        var roles = await _cli.RunAsync("role", "ls", "--user", root);

        Assert.Equal("role app granted kv read,write /app/ (prefix)\n", grant.Out);
        Ok(allowed);
        Assert.Contains("Permission denied", denied.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Matches(@"kv\s+read,write\s+/app/\s+prefix", get.Out);
        Assert.Matches(@"kv\s+read\s+/shared/\s+prefix", get.Out);
        var role = JsonSerializer.Deserialize<RoleDto>(json.Out, WireJson.Options)!;
        Assert.Equal(2, role.Permissions.Count);
        Assert.Equal("role app revoked kv write /app/ (prefix)\n", revoke.Out);
        Assert.Contains("kv:write", deniedNow.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Equal("1", stillReads.Out);
        Assert.Equal(["alice", "root"], JsonSerializer.Deserialize<UserListDto>(users.Out, WireJson.Options)!.Users.Select(u => u.Name).Order(StringComparer.Ordinal));
        Assert.Matches(@"roles\s+app", alice.Out);
        Assert.Matches(@"password\s+yes", alice.Out);
        Assert.Contains("app", roles.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenAdd_PrintsATokenThatWorks_WithTokenAndCairnToken_UntilTokenRm()
    {
        await BootstrapAsync();
        Ok(await _cli.RunWithStdinAsync(RootPassword + "\n", "login", "root"));
        Ok(await _cli.RunAsync("role", "add", "reader"));
        Ok(await _cli.RunAsync("role", "grant", "reader", "kv", "read", "", "--prefix"));
        Ok(await _cli.RunAsync("user", "add", "svc", "--no-password"));
        Ok(await _cli.RunAsync("user", "grant-role", "svc", "reader"));
        Ok(await _cli.RunAsync("kv", "put", "k", "v"));

        var add = await _cli.RunAsync("token", "add", "--user", "svc", "--name", "indexer", "--ttl", "90d");
        var token = add.Out.Trim();
        var withFlag = await new AuthCli(_server.TcpEndpoint, _directory).RunAsync("kv", "get", "k", "--token", token);
        var withVariable = await new AuthCli(_server.TcpEndpoint, _directory).WithVariable("CAIRN_TOKEN", token).RunAsync("kv", "get", "k");
        var writeDenied = await new AuthCli(_server.TcpEndpoint, _directory).RunAsync("kv", "put", "k", "x", "--token", token);
        var list = await _cli.RunAsync("token", "ls", "--user", "svc", "--json");
        var listed = Assert.Single(JsonSerializer.Deserialize<TokenListDto>(list.Out, WireJson.Options)!.Tokens);
        var remove = await _cli.RunAsync("token", "rm", listed.Id);
        var afterRemove = await new AuthCli(_server.TcpEndpoint, _directory).RunAsync("kv", "get", "k", "--token", token);

        Ok(add);
        Assert.StartsWith("cairnapi_", token, StringComparison.Ordinal);
        Assert.Single(add.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("shown only now", add.Error, StringComparison.Ordinal);
        Assert.Equal("v", withFlag.Out);
        Assert.Equal("v", withVariable.Out);
        Assert.Contains("Permission denied", writeDenied.AssertOneLineError(), StringComparison.Ordinal);
        Assert.Equal(("api", "svc", "indexer"), (listed.Kind, listed.User, listed.Name));
        Assert.Equal($"token {listed.Id} revoked\n", remove.Out);
        Assert.Contains("run cairn login", afterRemove.AssertOneLineError(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_TakePrecedence_TokenThenUserThenCairnTokenThenTheTokenFile()
    {
        await BootstrapAsync();
        Ok(await _cli.RunAsync("user", "add", "alice", "--password", "alice-pw", "--user", "root:" + RootPassword));
        Ok(await _cli.RunWithStdinAsync(RootPassword + "\n", "login", "root"));
        var aliceToken = JsonSerializer.Deserialize<TokenResultDto>((await _cli.RunAsync("token", "add", "--user", "alice", "--name", "t", "--json")).Out, WireJson.Options)!.Token;

        async Task<string> WhoAsync(AuthCli cli, params string[] args)
        {
            var run = await cli.RunAsync(["auth", "status", "--json", .. args]);
            Ok(run);
            return JsonSerializer.Deserialize<AuthStatusDto>(run.Out, WireJson.Options)!.User;
        }

        var fromFile = await WhoAsync(_cli);
        var environmentOverFile = await WhoAsync(new AuthCli(_server.TcpEndpoint, _directory).WithVariable("CAIRN_TOKEN", aliceToken));
        var userOverEnvironment = await WhoAsync(new AuthCli(_server.TcpEndpoint, _directory).WithVariable("CAIRN_TOKEN", aliceToken), "--user", "root:" + RootPassword);
        var tokenOverUser = await WhoAsync(_cli, "--token", aliceToken, "--user", "root:" + RootPassword);

        Assert.Equal(("root", "alice", "root", "alice"), (fromFile, environmentOverFile, userOverEnvironment, tokenOverUser));
    }

    [Fact]
    public async Task TheDefaultTokenFile_IsUnderXdgConfigHome_Mode0600_AndLogoutRemovesIt()
    {
        await BootstrapAsync();
        var config = Path.Combine(_directory, "xdg");
        var cli = new AuthCli(_server.TcpEndpoint, _directory).WithVariable("CAIRN_TOKEN_FILE", "").WithVariable("XDG_CONFIG_HOME", config);
        var file = Path.Combine(config, "cairn", "token");

        var login = await cli.RunWithStdinAsync(RootPassword + "\n", "login", "root");
        var mode = File.GetUnixFileMode(file);
        var put = await cli.RunAsync("kv", "put", "k", "v");
        var logout = await cli.RunAsync("logout");

        Assert.Contains(file, login.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Ok(put);
        Ok(logout);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task AuthDisable_OpensTheServerAgain_AndStatusSaysSo()
    {
        await BootstrapAsync();

        var disable = await _cli.RunAsync("auth", "disable", "--user", "root:" + RootPassword);
        var put = await _cli.RunAsync("kv", "put", "k", "v");
        var status = await _cli.RunAsync("auth", "status");

        Assert.Equal("authentication disabled\n", disable.Out);
        Ok(put);
        Assert.Matches(@"enabled\s+false", status.Out);
    }

    [Fact]
    public async Task EnableWithoutARootUser_FailsWithOneLine_SayingWhatToDo()
    {
        var enable = await _cli.RunAsync("auth", "enable");

        Assert.Contains("root", enable.AssertOneLineError(), StringComparison.Ordinal);
    }
}
