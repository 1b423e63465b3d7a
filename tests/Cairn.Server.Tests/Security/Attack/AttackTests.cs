using System.Net;

namespace Cairn.Server.Tests.Security.Attack;

/// <summary>
/// What an attacker would try beyond the matrix, on every backend (one derived class each): forged, truncated, altered
/// and foreign tokens, brute-forced passwords (<c>AttackTests.Tokens.cs</c>); txns and listings that reach for keys the
/// caller may not read, path tricks, and <c>/cairn/auth/</c> itself (<c>AttackTests.Keys.cs</c>); watches on forbidden
/// or partly readable ranges and the events a permitted watch carries (<c>AttackTests.Watches.cs</c>); and revoked
/// credentials on open streams (<c>AttackTests.Revocation.cs</c>).
/// </summary>
/// <remarks>Tests that change users, roles or tokens make their own, so that the fixture's callers stay as they are.</remarks>
public abstract partial class AttackTests(SecureServer server)
{
    private static string NewId() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>Whether root sees kv key <paramref name="key"/>.</summary>
    private async Task<bool> KvExistsAsync(string key)
    {
        using var root = server.Http(Who.Root);
        var answer = await AttackHttp.SendAsync(root, "GET", "/v1/kv/" + key);
        Assert.True(answer.Status is 200 or 404, $"root's GET of {key}: {answer}");
        return answer.Status == 200;
    }

    private async Task PutAsRootAsync(string key, string value)
    {
        using var root = server.Http(Who.Root);
        using var response = await root.PutAsync("/v1/kv/" + key, new StringContent(value));
        Assert.True(response.IsSuccessStatusCode, $"root's PUT of {key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }
}
