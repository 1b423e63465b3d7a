using System.Diagnostics;
using System.Text;
using Cairn.Core;
using Cairn.Testing;

namespace Cairn.Storage.Etcd.Tests;

/// <summary>
/// The etcd backend against an etcd locked down as an operator would (TLS, client certificates of its CA only, users):
/// it works with the right certificate and password, a wrong one is a clear error at once (not an etcd that seems
/// down), and the token etcd hands out is renewed when etcd stops accepting it.
/// </summary>
[Collection(SecureEtcdBackend.Collection)]
public sealed class EtcdSecurityTests(SecureEtcdBackend etcd)
{
    private static readonly TimeSpan WithinAFewSeconds = TimeSpan.FromSeconds(15);

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    private static string Text(ReadOnlyMemory<byte> value) => Encoding.UTF8.GetString(value.Span);

    [Fact]
    public async Task Keyspace_WorksOverTls_WithTheClientCertificate_AndAUserWhoIsNotRoot()
    {
        await etcd.EmptyAsync();
        await using var store = await EtcdKeyspace.ConnectAsync(etcd.Options);

        var from = (await store.StatusAsync()).Revision + 1;
        await using var watch = store.WatchAsync(new WatchRequest(KeyRange.Prefix("app/")) { StartRevision = from }).GetAsyncEnumerator();
        var lease = await store.GrantLeaseAsync(30);
        var put = await store.PutAsync(Put("app/a", "1") with { Lease = lease.Id });
        var txn = await store.TxnAsync(new TxnRequest(
            [Compare.ValueOf("app/a", CompareResult.Equal, Encoding.UTF8.GetBytes("1"))],
            [Put("app/b", "2")],
            []));
        await store.KeepAliveLeaseAsync(lease.Id);

        Assert.True(txn.Succeeded);
        var kvs = (await store.RangeAsync(new RangeRequest(KeyRange.Prefix("app/")))).Kvs;
        Assert.Equal(["app/a=1", "app/b=2"], kvs.Select(kv => $"{kv.Key}={Text(kv.Value)}"));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((put.Revision, "app/a"), (watch.Current.Revision, Assert.Single(watch.Current.Events).Kv.Key));
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal((txn.Revision, "app/b"), (watch.Current.Revision, Assert.Single(watch.Current.Events).Kv.Key));
        Assert.Equal("etcd", (await store.StatusAsync()).Backend);
    }

    [Fact]
    public async Task Keyspace_WorksOverTls_WithCertificateAndKeyInOneFile()
    {
        await etcd.EmptyAsync();
        await using var store = await EtcdKeyspace.ConnectAsync(etcd.Options with { CertFile = etcd.ClientCertificate.PemFile, KeyFile = null });

        await store.PutAsync(Put("k", "v"));

        Assert.Equal("v", Text(Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("k")))).Kvs).Value));
    }

    [Fact]
    public async Task Connect_WithoutAClientCertificate_FailsAtOnce_SayingEtcdWantsOne()
    {
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdKeyspace.ConnectAsync(etcd.Options with { CertFile = null, KeyFile = null }));

        Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
        Assert.Contains("CertFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(etcd.Endpoint, error.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < EtcdBackend.RequestTimeout, $"It took {stopwatch.Elapsed} to fail: it waited as for an etcd that is down.");
    }

    [Fact]
    public async Task Connect_WithAClientCertificateOfAnotherCa_FailsAtOnce_SayingEtcdRefusedIt()
    {
        using var other = TestCertificates.CreateInTemp("Another CA");
        try
        {
            var stranger = other.IssueClient(SecureEtcdBackend.User);

            var error = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
                EtcdKeyspace.ConnectAsync(etcd.Options with { CertFile = stranger.CertFile, KeyFile = stranger.KeyFile }));

            Assert.Contains("client certificate", error.Message, StringComparison.Ordinal);
            Assert.Contains(etcd.Endpoint, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            other.DeleteDirectory();
        }
    }

    [Fact]
    public async Task Connect_WhenEtcdsCertificateIsNotFromTheCaFile_RefusesEtcd()
    {
        using var other = TestCertificates.CreateInTemp("Another CA");
        try
        {
            var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdKeyspace.ConnectAsync(etcd.Options with { CaFile = other.CaFile }));

            Assert.Contains("certificate is not trusted", error.Message, StringComparison.Ordinal);
            Assert.Contains("CaFile", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            other.DeleteDirectory();
        }
    }

    [Fact]
    public async Task Connect_WithAWrongPassword_FailsSayingEtcdRefusedTheUser()
    {
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdKeyspace.ConnectAsync(etcd.Options with { Password = "not the password" }));

        Assert.Contains($"etcd refused user '{SecureEtcdBackend.User}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CaFile")]
    [InlineData("CertFile")]
    [InlineData("KeyFile")]
    public async Task Connect_WithAMissingFile_FailsNamingTheSettingAndTheFile(string setting)
    {
        var missing = Path.Combine(Path.GetTempPath(), "cairn-no-such-" + Guid.NewGuid().ToString("N") + ".pem");
        var options = setting switch
        {
            "CaFile" => etcd.Options with { CaFile = missing },
            "CertFile" => etcd.Options with { CertFile = missing },
            _ => etcd.Options with { KeyFile = missing },
        };

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdKeyspace.ConnectAsync(options));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_WithAKeyFileButNoCertFile_SaysTheCertificateIsMissing()
    {
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => EtcdKeyspace.ConnectAsync(etcd.Options with { CertFile = null }));

        Assert.Contains("without CertFile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_LeaseRenewals_AndNewWatches_KeepWorking_WhenEtcdForgetsTheToken_AsWhenItExpires()
    {
        await etcd.EmptyAsync();
        await using var store = await EtcdKeyspace.ConnectAsync(etcd.Options);
        var first = await store.PutAsync(Put("k", "1"));
        var authenticated = store.Authentications;
        using var admin = etcd.CreateAuthAdmin();

        await admin.ForgetTokensAsync();
        await store.PutAsync(Put("k", "2"));
        await admin.ForgetTokensAsync();
        var lease = await store.GrantLeaseAsync(30);
        await admin.ForgetTokensAsync();
        await store.KeepAliveLeaseAsync(lease.Id);
        await admin.ForgetTokensAsync();
        await using var watch = store.WatchAsync(new WatchRequest(KeyRange.Single("k")) { StartRevision = first.Revision }).GetAsyncEnumerator();
        Assert.True(await watch.MoveNextAsync());

        // The put, the grant and the watch each found their token refused and got a new one; etcd does not check a
        // lease renewal's token.
        Assert.Equal(first.Revision, watch.Current.Revision);
        Assert.Equal(authenticated + 3, store.Authentications);
    }

    [Fact]
    public async Task Connect_WithoutAUser_AuthenticatesAsTheClientCertificatesCommonName()
    {
        await etcd.EmptyAsync();

        // etcd with --client-cert-auth takes the certificate's CN as the user when a request carries no token.
        await using var store = await EtcdKeyspace.ConnectAsync(etcd.Options with { Username = null, Password = null });
        await store.PutAsync(Put("k", "v"));

        Assert.Equal(0, store.Authentications);
        Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("k")))).Kvs);
    }

    [Fact]
    public async Task Connect_WithoutAUser_AndACertificateOfNoEtcdUser_FailsSayingWhatIsMissing()
    {
        var nobody = etcd.Authority.IssueClient("not-an-etcd-user");

        var error = await Assert.ThrowsAsync<InvalidArgumentException>(() =>
            EtcdKeyspace.ConnectAsync(etcd.Options with { Username = null, Password = null, CertFile = nobody.CertFile, KeyFile = nobody.KeyFile }));

        Assert.Contains("etcd", error.Message, StringComparison.Ordinal);
        Assert.Contains("user", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_FailClearly_WhenTheUsersPasswordIsChangedUnderIt()
    {
        await etcd.EmptyAsync();
        using var admin = etcd.CreateAuthAdmin();
        await admin.AddUserAsync("short-lived", "first-password");
        try
        {
            await using var store = await EtcdKeyspace.ConnectAsync(etcd.Options with { Username = "short-lived", Password = "first-password" });
            await store.PutAsync(Put("k", "1"));

            await admin.ChangePasswordAsync("short-lived", "second-password");
            var error = await Assert.ThrowsAsync<InvalidArgumentException>(() => store.PutAsync(Put("k", "2")).AsTask());

            Assert.Contains("etcd refused user 'short-lived'", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await admin.RemoveUserAsync("short-lived");
        }
    }
}
