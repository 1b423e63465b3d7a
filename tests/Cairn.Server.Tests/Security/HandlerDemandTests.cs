using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Tests.Security.Http;

namespace Cairn.Server.Tests.Security;

/// <summary>
/// The checks handlers make themselves, where the name is not a plain route value, with auth on: what a kv write that
/// also reads needs, a lease's keys, a job's type, a blob key as the handler reads it, what the search extension reads,
/// the cartd and journal compat APIs' per-method and per-txid checks, and a watch socket's keep-alive. Each refusal is
/// 403 with nothing changed; the same caller's permitted request goes through.
/// </summary>
public sealed class HandlerDemandTests(HandlerDemandServerFixture server) : IClassFixture<HandlerDemandServerFixture>
{
    private static PermissionDto Grant(string resource, string key, params string[] actions) =>
        new() { Resource = resource, Key = key, Prefix = true, Actions = [.. actions] };

    /// <summary>A new user (and role of the same name) granted <paramref name="permissions"/>.</summary>
    private async Task<HttpClient> UserAsync(params PermissionDto[] permissions)
    {
        var name = "u-" + Id();
        using var root = server.UnixHttp();
        await AuthHttp.AddRoleAsync(root, name, permissions);
        await AuthHttp.AddUserAsync(root, name, HandlerDemandServerFixture.Password(name), [name]);
        return server.As(name);
    }

    private static string Id() => Guid.NewGuid().ToString("N")[..8];

    private async Task<HttpStatusCode> RootStatusAsync(string target)
    {
        using var root = server.UnixHttp();
        return (await root.GetAsync(target)).StatusCode;
    }

    private static async Task AssertDeniedAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: expected 403, got {(int)response.StatusCode} {body}");
        Assert.Contains(ErrorCodes.PermissionDenied, body, StringComparison.Ordinal);
    }

    private static async Task AssertOkAsync(HttpResponseMessage response, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{what}: expected success, got {(int)response.StatusCode} {body}");
    }

    [Fact]
    public async Task AKvWriteThatAlsoReads_NeedsRead_AndWritesNothingWithoutIt()
    {
        var id = Id();
        using var writeOnly = await UserAsync(Grant(AuthResources.Kv, "a/", "write"));

        await AssertOkAsync(await writeOnly.PutAsync($"/v1/kv/a/{id}", new StringContent("1")), "a plain put");

        // A condition compares the key (and a failed one answers its mod revision); prevKv answers the old value.
        using (var create = new HttpRequestMessage(HttpMethod.Put, $"/v1/kv/a/{id}-new") { Content = new StringContent("1") })
        {
            create.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Any);
            await AssertDeniedAsync(await writeOnly.SendAsync(create), "a create-only put by a write-only user");
        }

        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/kv/a/{id}-new"));
        await AssertDeniedAsync(await writeOnly.PutAsync($"/v1/kv/a/{id}?prevKv=true", new StringContent("2")), "a put asking for the previous value");
        await AssertDeniedAsync(await writeOnly.DeleteAsync($"/v1/kv/a/{id}?prevKv=true"), "a delete asking for the previous value");
        using (var root = server.UnixHttp())
        {
            Assert.Equal("1", await root.GetStringAsync($"/v1/kv/a/{id}"));
        }

        await AssertOkAsync(await writeOnly.DeleteAsync($"/v1/kv/a/{id}"), "a plain delete");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/kv/a/{id}"));
    }

    [Fact]
    public async Task ALeasesKeys_AreShownOnlyToWhoMayReadThemAll_AndRevokedOnlyByWhoMayWriteThemAll()
    {
        var id = Id();
        using var leaser = await UserAsync(Grant(AuthResources.Leases, "", "*"), Grant(AuthResources.Kv, "a/", "read", "write"));
        long rootLease;
        using (var root = server.UnixHttp())
        {
            rootLease = await GrantAsync(root);
            await AssertOkAsync(await root.PutAsync($"/v1/kv/b/{id}?lease={rootLease}", new StringContent("secret")), "root's put under its lease");
        }

        await AssertOkAsync(await leaser.GetAsync($"/v1/leases/{rootLease}"), "a lease's time to live");
        var withKeys = await leaser.GetAsync($"/v1/leases/{rootLease}?keys=true");
        await AssertDeniedAsync(withKeys, "the keys of a lease holding a key the caller may not read");
        Assert.DoesNotContain($"b/{id}", await withKeys.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertDeniedAsync(await leaser.DeleteAsync($"/v1/leases/{rootLease}"), "revoking a lease holding a key the caller may not write");
        Assert.Equal(HttpStatusCode.OK, await RootStatusAsync($"/v1/kv/b/{id}"));
        Assert.Equal(HttpStatusCode.OK, await RootStatusAsync($"/v1/leases/{rootLease}"));

        // Its own lease, on its own keys: shown and revoked.
        var own = await GrantAsync(leaser);
        await AssertOkAsync(await leaser.PutAsync($"/v1/kv/a/{id}?lease={own}", new StringContent("mine")), "a put under its own lease");
        var shown = await leaser.GetAsync($"/v1/leases/{own}?keys=true");
        await AssertOkAsync(shown, "the keys of its own lease");
        Assert.Contains($"a/{id}", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await AssertOkAsync(await leaser.DeleteAsync($"/v1/leases/{own}"), "revoking its own lease");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/kv/a/{id}"));
    }

    private static async Task<long> GrantAsync(HttpClient http)
    {
        var response = await http.PostAsJsonAsync("/v1/leases", new LeaseGrantDto { Ttl = 600 }, WireJson.Options);
        await AssertOkAsync(response, "a lease grant");
        return (await response.Content.ReadFromJsonAsync<LeaseDto>(WireJson.Options))!.Id;
    }

    [Fact]
    public async Task Jobs_AreCheckedOnTheirType_ReadFromTheBodyOrTheJobsRecord()
    {
        using var jobs = await UserAsync(Grant(AuthResources.Jobs, "a.", "*"));
        var own = await jobs.PostAsJsonAsync("/v1/jobs", new { type = "a.build" });
        await AssertOkAsync(own, "enqueueing a job of its own type");
        await AssertDeniedAsync(await jobs.PostAsJsonAsync("/v1/jobs", new { type = "b.deploy" }), "enqueueing a job of another type");

        long other;
        using (var root = server.UnixHttp())
        {
            var enqueued = await root.PostAsJsonAsync("/v1/jobs", new { type = "b.deploy" });
            await AssertOkAsync(enqueued, "root's job");
            other = JsonDocument.Parse(await enqueued.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        }

        await AssertDeniedAsync(await jobs.GetAsync($"/v1/jobs/{other}"), "reading a job of another type");
        await AssertDeniedAsync(await jobs.GetAsync($"/v1/jobs/{other}/log"), "reading the log of a job of another type");
        await AssertDeniedAsync(await jobs.PostAsync($"/v1/jobs/{other}/cancel", null), "cancelling a job of another type");
        await AssertDeniedAsync(await jobs.DeleteAsync($"/v1/jobs/{other}"), "deleting a job of another type");
        await AssertDeniedAsync(await jobs.PostAsync($"/v1/jobs/{other}/retry", null), "retrying a job of another type");
        using (var root = server.UnixHttp())
        {
            var job = JsonDocument.Parse(await root.GetStringAsync($"/v1/jobs/{other}")).RootElement;
            Assert.Equal("enqueued", job.GetProperty("state").GetString());
        }

        // Listings: of its own type, yes; of every type, no.
        await AssertOkAsync(await jobs.GetAsync("/v1/jobs?type=a.build"), "listing its own type");
        await AssertDeniedAsync(await jobs.GetAsync("/v1/jobs"), "listing every type");
        await AssertDeniedAsync(await jobs.GetAsync("/v1/jobs?type=b.deploy"), "listing another type");

        // A worker takes only the types it may work on.
        await AssertDeniedAsync(await jobs.PostAsJsonAsync("/v1/jobs/claim", new { worker = "w", node = "n", types = new[] { "b*" } }), "claiming another type's jobs");
        await AssertDeniedAsync(await jobs.PostAsJsonAsync("/v1/jobs/claim", new { worker = "w", node = "n" }), "claiming jobs of every type");
        await AssertOkAsync(await jobs.PostAsJsonAsync("/v1/jobs/claim", new { worker = "w", node = "n", types = new[] { "a.*" } }), "claiming its own type's jobs");
    }

    [Fact]
    public async Task ABlobKey_IsCheckedAsTheHandlerReadsIt_AnEncodedSlashBeingASlash()
    {
        var id = Id();
        using var blobs = await UserAsync(Grant(AuthResources.Blobs, "a/", "read", "write"));

        await AssertOkAsync(await blobs.PutAsync($"/v1/blobs/a%2F{id}", new ByteArrayContent([1, 2, 3])), "a put of a/… with an encoded slash");
        Assert.Equal(HttpStatusCode.OK, await RootStatusAsync($"/v1/blobs/a/{id}"));
        await AssertDeniedAsync(await blobs.PutAsync($"/v1/blobs/b%2F{id}", new ByteArrayContent([1])), "a put of b/… with an encoded slash");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/blobs/b/{id}"));

        await AssertOkAsync(await blobs.GetAsync("/v1/blobs?prefix=a/"), "listing a/");
        await AssertDeniedAsync(await blobs.GetAsync("/v1/blobs?prefix=b/"), "listing b/");
        await AssertDeniedAsync(await blobs.GetAsync("/v1/blobs"), "listing every blob");
        await AssertDeniedAsync(await blobs.GetAsync("/compat/pulzar/get_key/b/x"), "a Pulzar read of b/…");
        await AssertDeniedAsync(await blobs.PutAsync($"/compat/pulzar/add_key/b/{id}", new ByteArrayContent([1])), "a Pulzar write of b/…");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/blobs/b/{id}"));
    }

    [Fact]
    public async Task TheSearchExtension_ListsEveryBlobKey_SoItNeedsReadOnEveryBlob()
    {
        using var narrow = await UserAsync(Grant(AuthResources.Extensions, "search", "call"), Grant(AuthResources.Blobs, "a/", "read"));
        await AssertDeniedAsync(await narrow.GetAsync("/v1/extensions/search/x"), "the search extension without read on every blob");
        await AssertDeniedAsync(await narrow.GetAsync("/compat/pulzar/third_party/search/x"), "the Pulzar search without read on every blob");
        await AssertDeniedAsync(await narrow.GetAsync("/compat/pulzar/third_party/other/x"), "another extension than its own");

        using var wide = await UserAsync(Grant(AuthResources.Extensions, "search", "call"), Grant(AuthResources.Blobs, "", "read"));
        await AssertOkAsync(await wide.GetAsync("/v1/extensions/search/x"), "the search extension with read on every blob");
    }

    [Fact]
    public async Task TheCartdCompatApi_ChecksReadForGetAndHead_AndWriteForPostAndDelete()
    {
        var uid = "c" + Id();
        using var reader = await UserAsync(Grant(AuthResources.Carts, "", "read"));

        using (var head = new HttpRequestMessage(HttpMethod.Head, $"/compat/cartd/{uid}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await reader.SendAsync(head)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/compat/cartd/{uid}")).StatusCode);
        var cart = """{"fileids":[{"id":"x","path":"x","hashtype":"sha1","hashsum":"0000000000000000000000000000000000000000"}]}""";
        await AssertDeniedAsync(await reader.PostAsync($"/compat/cartd/{uid}", new StringContent(cart, Encoding.UTF8, "application/json")), "posting a cart with read only");
        await AssertDeniedAsync(await reader.DeleteAsync($"/compat/cartd/{uid}"), "deleting a cart with read only");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/carts/{uid}"));
    }

    [Fact]
    public async Task TheJournalCompatApi_ChecksTheTxidItActsOn()
    {
        var id = Id();
        using var appender = await UserAsync(Grant(AuthResources.Journal, "t-", "append"));
        var message = new StringContent("{}", Encoding.UTF8, "application/json");

        Assert.Equal(HttpStatusCode.Created, (await appender.PostAsync($"/compat/journal/t-{id}/begin", message)).StatusCode);
        await AssertDeniedAsync(await appender.PostAsync($"/compat/journal/u-{id}/begin", new StringContent("{}", Encoding.UTF8, "application/json")), "an append to another txid");
        await AssertDeniedAsync(await appender.GetAsync($"/compat/journal/status/t-{id}"), "a status read by an appender");
        Assert.Equal(HttpStatusCode.NotFound, await RootStatusAsync($"/v1/journal/u-{id}"));
    }

    [Fact]
    public async Task AWatchSocketKeepAlive_NeedsLeasesWrite_AndItsRefusalEndsNothing()
    {
        var name = "ws" + Id();
        using (var root = server.UnixHttp())
        {
            await AuthHttp.AddRoleAsync(root, name, Grant(AuthResources.Kv, "a/", "read"));
            await AuthHttp.AddUserAsync(root, name, HandlerDemandServerFixture.Password(name), [name]);
        }

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(name + ":" + HandlerDemandServerFixture.Password(name))));
        await socket.ConnectAsync(new Uri(server.TcpEndpoint.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/watch"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        await SendAsync(socket, """{"keepalive":{"lease":1}}""");
        var refused = await ReceiveAsync(socket);
        Assert.True(refused.TryGetProperty("error", out var error) && error.GetProperty("code").GetString() == ErrorCodes.PermissionDenied, $"a keep-alive without leases:write was answered {refused}");

        await SendAsync(socket, """{"create":{"key":"a/","prefix":true}}""");
        var created = await ReceiveAsync(socket);
        Assert.True(created.TryGetProperty("created", out _), $"a permitted watch after the refusal was answered {created}");
    }

    private static Task SendAsync(ClientWebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            }
        }
    }
}
