using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Cairn.Core;
using Cairn.Server.Api;
using Cairn.Server.Http;
using Cairn.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Tests;

/// <summary>
/// <c>PUT ?ttl=</c> grants a lease and then puts: when the lease runs out in between (a short TTL and a paused server),
/// the caller, who named no lease, still gets the key under a new lease, not a 404 for a lease it never saw.
/// </summary>
public sealed class PutWithTtlRetryTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-ttl-retry-").FullName;
    private SqliteKeyspace _store = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private int _expired;

    public async Task InitializeAsync()
    {
        _store = await SqliteKeyspace.OpenAsync(new SqliteKeyspaceOptions { Path = Path.Combine(_dir, "cairn.db") });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(LeaseExpiresBeforeFirstPut.Wrap(_store, () => Interlocked.Exchange(ref _expired, 1) == 0));
        builder.Services.AddSingleton(new KeyspaceLimits());
        _app = builder.Build();
        _app.UseMiddleware<ErrorHandlingMiddleware>();
        KvEndpoints.Map(_app);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Put_WithTtl_WhoseLeaseRanOutBeforeThePut_GetsTheKeyUnderANewLease()
    {
        var put = await _http.PutAsync("/v1/kv/short?ttl=30", new StringContent("v"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var lease = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lease").GetInt64();
        var kv = Assert.Single((await _store.RangeAsync(new RangeRequest(KeyRange.Single("short")))).Kvs);
        Assert.Equal(lease, kv.Lease);
        Assert.Equal([lease], (await _store.ListLeasesAsync()).Select(l => l.Id)); // the first lease is not left behind
    }

    [Fact]
    public async Task Put_WithALeaseNamedByTheCaller_ThatIsGone_IsStill404()
    {
        var lease = await _store.GrantLeaseAsync(30);

        var put = await _http.PutAsync($"/v1/kv/named?lease={lease.Id}", new StringContent("v"));

        await Problems.AssertAsync(put, HttpStatusCode.NotFound, "lease_not_found");
    }

    // The store as the server sees it, where the first put with a lease finds the lease expired (as if the server
    // paused longer than the TTL between the grant and the put).
    public class LeaseExpiresBeforeFirstPut : DispatchProxy
    {
        private IKeyspace _inner = null!;
        private Func<bool> _expire = null!;

        public static IKeyspace Wrap(IKeyspace inner, Func<bool> expire)
        {
            var proxy = Create<IKeyspace, LeaseExpiresBeforeFirstPut>();
            var self = (LeaseExpiresBeforeFirstPut)(object)proxy;
            (self._inner, self._expire) = (inner, expire);
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name == nameof(IKeyspace.PutAsync) && args?[0] is PutRequest { Lease: not 0 } put && _expire())
            {
                // The store's own answer for an expired lease. (Boxed once and consumed once by the caller.)
#pragma warning disable CA2012
                return ValueTask.FromException<PutResult>(new LeaseNotFoundException(put.Lease));
#pragma warning restore CA2012
            }

            try
            {
                return targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
        }
    }
}
