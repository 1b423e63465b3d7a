using System.Text;
using Cairn.Core;
using Cairn.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using V3 = Etcdserverpb;

namespace Cairn.Storage.Etcd.Tests;

/// <summary>
/// etcd with JWT tokens (<c>--auth-token jwt</c>, as production clusters run): a token carries the auth revision it
/// was signed at and its expiry, so a change to users or roles makes it old, and its TTL ends it however busy the
/// client is. The store must get a new one each time, for requests and for new watches alike.
/// </summary>
public sealed class EtcdJwtTokenTests(EtcdJwtTokenTests.JwtEtcd etcd) : IClassFixture<EtcdJwtTokenTests.JwtEtcd>
{
    private const string User = "cairn";
    private const string Password = "cairn-password";

    private static PutRequest Put(string key, string value) => new(key, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task Requests_AndNewWatches_GetANewToken_WhenAChangeToEtcdsUsersMakesTheirsOld()
    {
        await using var store = await etcd.ConnectAsync();
        var first = await store.PutAsync(Put("old-revision", "1"));
        var authenticated = store.Authentications;
        using var admin = etcd.Admin();

        await admin.AddUserAsync("someone-else", "their-password");
        try
        {
            await store.PutAsync(Put("old-revision", "2"));
            Assert.Equal(authenticated + 1, store.Authentications);

            await admin.RemoveUserAsync("someone-else");
            await using var watch = store.WatchAsync(new WatchRequest(KeyRange.Single("old-revision")) { StartRevision = first.Revision }).GetAsyncEnumerator();
            Assert.True(await watch.MoveNextAsync());

            Assert.Equal(first.Revision, watch.Current.Revision);
            Assert.Equal(authenticated + 2, store.Authentications);
        }
        finally
        {
            await admin.RemoveUserAsync("someone-else");
        }
    }

    [Fact]
    public async Task Requests_GetANewToken_WhenTheirsExpires()
    {
        await using var store = await etcd.ConnectAsync(shortLived: true);
        var authenticated = store.Authentications;

        // A token signed after the store's expires after it: once etcd refuses this one, it refuses the store's too.
        var later = await etcd.AuthenticateAsync(shortLived: true);
        await Eventually.UntilAsync(() => etcd.RefusesAsync(later, shortLived: true), TimeSpan.FromSeconds(60), "etcd refuses a token past its TTL");
        await store.PutAsync(Put("expiry", "2"));

        Assert.True(store.Authentications > authenticated, "The store did not authenticate again.");
        Assert.Equal("2", Encoding.UTF8.GetString(Assert.Single((await store.RangeAsync(new RangeRequest(KeyRange.Single("expiry")))).Kvs).Value.Span));
    }

    /// <summary>
    /// Two etcds with JWT tokens (signed with an ECDSA key the test makes) and authentication on: one whose tokens last
    /// ten minutes (no test outlives them), one whose tokens last two seconds.
    /// </summary>
    public sealed class JwtEtcd : IAsyncLifetime
    {
        private const string RootPassword = "root-password";
        private TestCertificates? _keys;
        private EtcdServer? _longLived;
        private EtcdServer? _shortLived;

        public async Task InitializeAsync()
        {
            _keys = TestCertificates.CreateInTemp("jwt signing");
            var signing = _keys.IssueServer("jwt");
            var start = (string ttl) => EtcdServer.StartAsync(extraArguments:
            [
                "--auth-token", $"jwt,pub-key={signing.CertFile},priv-key={signing.KeyFile},sign-method=ES256,ttl={ttl}",
            ]);
            var longLived = start("10m");
            var shortLived = start("2s");
            _longLived = await longLived;
            _shortLived = await shortLived;
            foreach (var server in new[] { _longLived, _shortLived })
            {
                using var admin = new EtcdAuthAdmin(server.Endpoint, RootPassword);
                await admin.EnableAsync(User, Password);
            }
        }

        public async Task DisposeAsync()
        {
            foreach (var server in new[] { _longLived, _shortLived })
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }

            if (_keys is not null)
            {
                _keys.Dispose();
                _keys.DeleteDirectory();
            }
        }

        public EtcdAuthAdmin Admin() => new(Endpoint(shortLived: false), RootPassword);

        public Task<EtcdKeyspace> ConnectAsync(bool shortLived = false) =>
            EtcdKeyspace.ConnectAsync(new EtcdKeyspaceOptions { Endpoints = [Endpoint(shortLived)], Username = User, Password = Password, RequestTimeout = EtcdBackend.RequestTimeout });

        public async Task<Metadata> AuthenticateAsync(bool shortLived)
        {
            using var channel = GrpcChannel.ForAddress(Endpoint(shortLived));
            var response = await new V3.Auth.AuthClient(channel).AuthenticateAsync(new V3.AuthenticateRequest { Name = User, Password = Password });
            return new Metadata { { "token", response.Token } };
        }

        public async Task<bool> RefusesAsync(Metadata token, bool shortLived)
        {
            using var channel = GrpcChannel.ForAddress(Endpoint(shortLived));
            try
            {
                await new V3.KV.KVClient(channel).RangeAsync(new V3.RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("expiry") }, token);
                return false;
            }
            catch (RpcException ex) when (ex.Status.Detail.Contains("invalid auth token", StringComparison.Ordinal))
            {
                return true;
            }
        }

        private string Endpoint(bool shortLived) =>
            (shortLived ? _shortLived : _longLived)?.Endpoint ?? throw new InvalidOperationException("Not started.");
    }
}
