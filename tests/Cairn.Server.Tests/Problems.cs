using System.Net;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>Assertions on RFC 9457 problem responses.</summary>
internal static class Problems
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    /// <summary>A problem's text speaks of the request, not of .NET: no type names, no parser bookkeeping.</summary>
    public static void AssertReadable(string detail)
    {
        foreach (var leak in new[] { "Cairn.", "System.", ".NET", "LineNumber", "BytePositionInLine", "Path: $" })
        {
            Assert.False(detail.Contains(leak, StringComparison.Ordinal), $"the problem's text shows '{leak}': {detail}");
        }
    }
}
