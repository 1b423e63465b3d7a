using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Volumes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// A server with every module on and auth enabled, the way an operator would set it up: over the HTTP API, while auth is
/// still off, it seeds one record of every kind (the <c>a/…</c> and <c>a-seeded</c> names the read requests aim at), adds
/// the roles and users below, and turns auth on; then every user logs in once. Bcrypt cost 4, so that logins are cheap.
/// <list type="bullet">
/// <item><c>root</c> (role <c>root</c>): everything.</item>
/// <item><c>reader</c>: read on every name of every module, <c>admin:status</c>.</item>
/// <item><c>writer-a</c>: read and write on the <c>a</c> names: kv <c>a/</c>, blobs <c>a/</c>, journal <c>a</c>, runs,
/// pools, locks, carts <c>a</c>, jobs of type <c>script:a/</c>; leases.</item>
/// <item><c>nobody-perms</c>: no roles.</item>
/// <item>role <c>appender</c> (no user): journal append on every txid, for listener policies.</item>
/// </list>
/// Listeners: the <c>/v1</c> API on TCP and a Unix socket, and each compat API on listeners of its own (Pulzar, journal on
/// TCP and a Unix socket, runs on a Unix socket, cartd on TCP). Extensions: <c>echo</c>, a script that appends its
/// argument to <see cref="CallsFile"/> (so a refused call can be seen not to have run). Jobs: <c>a/mark.sh</c>, with no
/// workers (an accepted job stays enqueued). Carts: the <c>directory</c> archive, nothing staged.
/// </summary>
/// <remarks>A class fixture: one server per test class and backend, fresh data. Each derived class says which backend.</remarks>
public abstract class SecureServer : ServerFixture, IAsyncLifetime
{
    public const string RootUser = "root";
    public const string ReaderUser = "reader";
    public const string WriterUser = "writer-a";
    public const string NobodyUser = "nobody-perms";

    /// <summary>The role of the journal listener policy tests (journal append on every txid).</summary>
    public const string AppenderRole = "appender";

    /// <summary>The kv key, blob key, journal txid, run, pool, lock and cart every read request aims at.</summary>
    public const string SeededKey = "a/seeded";
    public const string SeededBlob = "a/seeded.bin";
    public const string SeededName = "a-seeded";

    /// <summary>The content of the archive's <c>foo.txt</c>, which carts ask for.</summary>
    public const string ArchivedFile = "archived file";

    /// <summary>The journal txid, run, pool, lock and cart only root and reader may read.</summary>
    public const string SecretName = "b-secret";

    /// <summary>A key only root and reader may read (writer-a's grants are on <c>a/</c>).</summary>
    public const string SecretKey = "b/secret";
    public const string SecretValue = "secret-of-b-7f3a";

    // r-x for everyone: what a process of another user needs to run a script or enter a directory.
    private const UnixFileMode Open = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly Dictionary<Who, TokenResultDto> _tokens = [];
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal);

    protected SecureServer(TimeProvider? time)
        : base(time)
    {
        // Everything processes started by the server read or write (they run as another user, nobody, when the tests run
        // as root) is outside the private data directory, open to every user: the scripts, the extension's calls file.
        // Modes are set whatever the process's umask (a server started in this process sets 077).
        foreach (var dir in new[] { Scratch, ExtensionsDir, JobsDir, Path.Combine(JobsDir, "a"), Path.Combine(JobsDir, "b"), ArchiveDir })
        {
            Directory.CreateDirectory(dir);
            Mode(dir, Open | UnixFileMode.UserWrite);
        }

        File.WriteAllText(CallsFile, "");
        Mode(CallsFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        File.WriteAllText(Path.Combine(ArchiveDir, "foo.txt"), ArchivedFile);
        Executable(Path.Combine(ExtensionsDir, "echo"), $"#!/bin/sh\nprintf '%s\\n' \"${{1-}}\" >> '{CallsFile}'\nprintf '{{\"called\": true}}\\n'\n");
        Executable(Path.Combine(JobsDir, "a", "mark.sh"), "#!/bin/sh\necho marked\n");
        Executable(Path.Combine(JobsDir, "b", "other.sh"), "#!/bin/sh\necho other\n");

        Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
        Settings["Journal:Listen:0"] = "unix:" + JournalSocket;
        Settings["Journal:Listen:1"] = "http://127.0.0.1:0";
        Settings["Runs:Listen:0"] = "unix:" + RunsSocket;
        Settings["Carts:Listen:0"] = "http://127.0.0.1:0";
        Settings["Extensions:Directory"] = ExtensionsDir;
        Settings["Jobs:Directory"] = JobsDir;
        Settings["Jobs:Workers"] = "0";
        Settings["Carts:Archive"] = "directory";
        Settings["Carts:ArchiveDirectory"] = ArchiveDir;
        Settings["Carts:MaxActiveCarts"] = "0";
        Settings["Carts:MinFreeBytes"] = "0";
        Settings["Auth:BcryptCost"] = "4";
        Settings["Auth:AuditFile"] = AuditFile;

        // A throttled name or address stays throttled for a minute at least: long enough for a test to see it, whatever
        // the machine's load.
        Settings["Auth:LoginBackoff"] = "1m";

        // The tests run as the server's own Unix user, which would be root over its sockets: here a Unix peer is
        // anonymous unless mapped (PeerCredentialTests look at the defaults).
        Settings["Auth:ServerUserIsRoot"] = "false";
    }

    /// <summary>The server's clock, for a fixture made with a fake one.</summary>
    public FakeTimeProvider Clock => Time as FakeTimeProvider ?? throw new InvalidOperationException("This server runs on the real clock.");

    /// <summary>The backend's name, as tests print it.</summary>
    public abstract string Backend { get; }

    public string ExtensionsDir => Path.Combine(Scratch, "ext");

    public string JobsDir => Path.Combine(Scratch, "jobs");

    public string Scratch { get; } = Path.Combine("/tmp", "cairn-attack-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>Every argument the <c>echo</c> extension was called with, one a line.</summary>
    public string CallsFile => Path.Combine(Scratch, "calls");

    public string ArchiveDir => Path.Combine(Scratch, "archive");

    /// <summary>The audit trail as JSON lines (<c>Auth:AuditFile</c>).</summary>
    public string AuditFile => Path.Combine(DataDir, "audit.jsonl");

    public string JournalSocket => Path.Combine(DataDir, "journal.sock");

    public string RunsSocket => Path.Combine(DataDir, "runs.sock");

    /// <summary>The lease root granted while seeding (an hour), for the lock and pool requests.</summary>
    public long SeededLease { get; private set; }

    /// <summary>The job root enqueued while seeding.</summary>
    public long SeededJob { get; private set; }

    /// <summary>The job of type <c>script:b/other.sh</c> root enqueued while seeding.</summary>
    public long SecretJob { get; private set; }

    /// <summary>Where the seeded blob's body is (for <c>/v1/internal/volumes/{volume}/{blob}</c>).</summary>
    public (string Volume, string Blob) SeededVolumeFile { get; private set; }

    /// <summary>A listener's base address: <c>main</c> (the <c>/v1</c> TCP listener), <c>main-unix</c>, <c>pulzar</c>,
    /// <c>journal-tcp</c>, <c>journal-unix</c>, <c>runs-unix</c>, <c>cartd</c>; <c>unix:PATH</c> for a socket.</summary>
    public string Address(string listener) => listener switch
    {
        "main" => TcpEndpoint,
        "main-unix" => UnixEndpoint,
        "pulzar" => Server.CompatAddresses("pulzar").Single(),
        "journal-tcp" => Server.CompatAddresses("journal").Single(a => a.StartsWith("http://", StringComparison.Ordinal)),
        "journal-unix" => "unix:" + JournalSocket,
        "runs-unix" => "unix:" + RunsSocket,
        "cartd" => Server.CompatAddresses("cartd").Single(a => a.StartsWith("http://", StringComparison.Ordinal)),
        _ => throw new ArgumentException($"No listener '{listener}'.", nameof(listener)),
    };

    /// <summary>A client of <paramref name="listener"/> that sends <paramref name="who"/>'s login token (nothing for
    /// <see cref="Who.Anonymous"/>).</summary>
    public HttpClient Http(Who who, string listener = "main")
    {
        var address = Address(listener);
        var http = address.StartsWith("unix:", StringComparison.Ordinal)
            ? UnixHttpClient(address["unix:".Length..])
            : new HttpClient { BaseAddress = new Uri(address) };
        http.Timeout = TimeSpan.FromSeconds(100);
        if (who != Who.Anonymous)
        {
            http.DefaultRequestHeaders.Authorization = AuthApi.Bearer(Token(who));
        }

        return http;
    }

    /// <summary>A client of the <c>/v1</c> TCP listener that sends <paramref name="authorization"/>.</summary>
    public HttpClient Http(AuthenticationHeaderValue? authorization)
    {
        var http = new HttpClient { BaseAddress = new Uri(TcpEndpoint) };
        http.DefaultRequestHeaders.Authorization = authorization;
        return http;
    }

    /// <summary>The login token <paramref name="who"/> got when the fixture started.</summary>
    public string Token(Who who) => _tokens[who].Token;

    /// <summary>The id of the login session of <see cref="Token"/>.</summary>
    public string TokenId(Who who) => _tokens[who].Id;

    public string Password(string user) => _passwords[user];

    /// <summary>The user name of <paramref name="who"/>.</summary>
    public static string UserOf(Who who) => who switch
    {
        Who.Root => RootUser,
        Who.Reader => ReaderUser,
        Who.WriterA => WriterUser,
        Who.NobodyPerms => NobodyUser,
        _ => throw new ArgumentException("An anonymous caller has no user.", nameof(who)),
    };

    /// <summary>A new random password.</summary>
    public static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));

    /// <summary>Adds user <paramref name="name"/> with <paramref name="roles"/> and logs it in; returns its login.</summary>
    public async Task<TokenResultDto> AddUserAndLogInAsync(string name, params string[] roles)
    {
        var password = NewPassword();

        // Root by its password: its login token may have expired on a fake clock a test moved.
        using var root = Http(AuthApi.Basic(RootUser, Password(RootUser)));
        await AuthApi.AddUserAsync(root, name, password, roles);
        _passwords[name] = password;
        using var anonymous = Http(Who.Anonymous);
        return await AuthApi.LoginAsync(anonymous, name, password);
    }

    /// <summary>The settings that put the server on its backend.</summary>
    protected abstract Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync();

    async Task IAsyncLifetime.InitializeAsync()
    {
        foreach (var (setting, value) in await BackendSettingsAsync())
        {
            Settings[setting] = value;
        }

        await InitializeAsync();
        await SeedAsync();
        await SetUpAuthAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (Directory.Exists(Scratch))
        {
            Directory.Delete(Scratch, recursive: true);
        }
    }

    // One record of every kind, written while auth is off (everyone may), for the read requests to find.
    private async Task SeedAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(TcpEndpoint) };
        await ExpectAsync(http.PutAsync("/v1/kv/" + SeededKey, new StringContent("seeded value")), "seed kv");
        await ExpectAsync(http.PutAsync("/v1/kv/" + SecretKey, new StringContent(SecretValue)), "seed the secret key");
        await ExpectAsync(http.PutAsync("/v1/blobs/b/secret.txt", new StringContent(SecretValue)), "seed the secret blob");

        // Through the Pulzar API, which keeps every value in a volume file (for the internal volume reads).
        await ExpectAsync(http.PutAsync("/compat/pulzar/add_key/" + SeededBlob, new StringContent("seeded blob")), "seed a blob");
        var info = await Server.Services.GetRequiredService<BlobStore>().GetInfoAsync(SeededBlob) ?? throw new InvalidOperationException("The seeded blob is not there.");
        SeededVolumeFile = (info.VolumeId ?? throw new InvalidOperationException("The seeded blob is inline."), info.BlobId!);

        await ExpectAsync(http.PostAsync($"/v1/journal/{SeededName}/begin", AuthApi.Json("""{"user_id": "seed"}""")), "seed the journal");
        SeededLease = (await JsonAsync(http.PostAsync("/v1/leases", AuthApi.Json("""{"ttl": 3600}""")), "seed a lease")).GetProperty("id").GetInt64();
        await ExpectAsync(http.PostAsync("/v1/runs", AuthApi.Json($$$"""{"id":"{{{SeededName}}}","topology":{"node1":[1]}}""")), "seed a run");
        await ExpectAsync(http.PostAsync($"/v1/pools/{SeededName}/members", AuthApi.Json($$$"""{"lease":{{{SeededLease}}},"name":"seeded-member"}""")), "seed a pool");
        await ExpectAsync(http.PostAsync($"/v1/locks/{SeededName}", AuthApi.Json($$$"""{"lease":{{{SeededLease}}},"owner":"seeded-owner","waitSeconds":0}""")), "seed a lock");
        await ExpectAsync(http.PostAsync($"/v1/carts/{SeededName}", AuthApi.Json("""{"fileids":[{"id":"foo.txt","path":"1/foo.txt"}]}""")), "seed a cart");
        SeededJob = (await JsonAsync(http.PostAsync("/v1/jobs", AuthApi.Json("""{"type":"script:a/mark.sh"}""")), "seed a job")).GetProperty("id").GetInt64();

        // The same of b, which writer-a may not read: its listings must not show them.
        await ExpectAsync(http.PostAsync($"/v1/journal/{SecretName}/begin", AuthApi.Json($$$"""{"user_id": "{{{SecretValue}}}"}""")), "seed b's journal");
        await ExpectAsync(http.PostAsync("/v1/runs", AuthApi.Json($$$"""{"id":"{{{SecretName}}}","topology":{"node1":[1]}}""")), "seed b's run");
        await ExpectAsync(http.PostAsync($"/v1/pools/{SecretName}/members", AuthApi.Json($$$"""{"lease":{{{SeededLease}}},"name":"secret-member"}""")), "seed b's pool");
        await ExpectAsync(http.PostAsync($"/v1/locks/{SecretName}", AuthApi.Json($$$"""{"lease":{{{SeededLease}}},"owner":"secret-owner","waitSeconds":0}""")), "seed b's lock");
        await ExpectAsync(http.PostAsync($"/v1/carts/{SecretName}", AuthApi.Json("""{"fileids":[{"id":"foo.txt","path":"1/foo.txt"}]}""")), "seed b's cart");
        SecretJob = (await JsonAsync(http.PostAsync("/v1/jobs", AuthApi.Json($$$"""{"type":"script:b/other.sh","args":{"secret":"{{{SecretValue}}}"}}""")), "seed b's job")).GetProperty("id").GetInt64();
    }

    private async Task SetUpAuthAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(TcpEndpoint) };
        var named = new[] { AuthResources.Kv, AuthResources.Journal, AuthResources.Blobs, AuthResources.Jobs, AuthResources.Runs, AuthResources.Pools, AuthResources.Locks, AuthResources.Carts };
        await AuthApi.AddRoleAsync(http, ReaderUser, [
            .. named.Select(r => AuthApi.Grant(r, "", "read")),
            AuthApi.Grant(AuthResources.Leases, null, "read"),
            AuthApi.Grant(AuthResources.Admin, null, "status"),
        ]);
        await AuthApi.AddRoleAsync(http, WriterUser, [
            AuthApi.Grant(AuthResources.Kv, "a/", "read", "write"),
            AuthApi.Grant(AuthResources.Blobs, "a/", "read", "write"),
            AuthApi.Grant(AuthResources.Journal, "a", "read", "append"),
            AuthApi.Grant(AuthResources.Jobs, "script:a/", "read", "launch", "cancel"),
            AuthApi.Grant(AuthResources.Runs, "a", "read", "write"),
            AuthApi.Grant(AuthResources.Pools, "a", "read", "write"),
            AuthApi.Grant(AuthResources.Locks, "a", "read", "write"),
            AuthApi.Grant(AuthResources.Carts, "a", "read", "write"),
            AuthApi.Grant(AuthResources.Leases, null, "read", "write"),
        ]);
        await AuthApi.AddRoleAsync(http, AppenderRole, AuthApi.Grant(AuthResources.Journal, "", "append"));
        foreach (var (user, role) in new[] { (RootUser, "root"), (ReaderUser, ReaderUser), (WriterUser, WriterUser), (NobodyUser, null) })
        {
            _passwords[user] = NewPassword();
            await AuthApi.AddUserAsync(http, user, _passwords[user], role is null ? [] : [role]);
        }

        await AuthApi.EnableAsync(http);
        foreach (var who in new[] { Who.Root, Who.Reader, Who.WriterA, Who.NobodyPerms })
        {
            _tokens[who] = await AuthApi.LoginAsync(http, UserOf(who), _passwords[UserOf(who)]);
        }

        // From now on a request without a credential is refused: the switch is really on.
        using var refused = await http.PutAsync("/v1/kv/a/after-enable", new StringContent("x"));
        Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"After POST /v1/auth/enable an anonymous PUT was answered {(int)refused.StatusCode}, not 401.");
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> request, string what)
    {
        using var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> request, string what)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{what}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text);
        Mode(path, Open | UnixFileMode.UserWrite);
    }

    private static void Mode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
