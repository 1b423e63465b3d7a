using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Server.Tests;

/// <summary>Small HTTP helpers the watch and lease tests share.</summary>
internal static class Http
{
    public static async Task<long> PutAsync(HttpClient http, string key, string value, string query = "")
    {
        var response = await http.PutAsync("/v1/kv/" + key + query, new StringContent(value));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {key}{query}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
    }

    public static async Task<long> DeleteAsync(HttpClient http, string key)
    {
        var response = await http.DeleteAsync("/v1/kv/" + key);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"DELETE {key}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
    }

    public static async Task<JsonElement> StatusAsync(HttpClient http) =>
        await http.GetFromJsonAsync<JsonElement>("/v1/status");

    public static async Task<long> RevisionAsync(HttpClient http) =>
        (await StatusAsync(http)).GetProperty("revision").GetInt64();

    public static async Task<long> CompactAsync(HttpClient http, long revision)
    {
        var response = await http.PostAsJsonAsync("/v1/compact", new { revision });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return revision;
    }

    /// <summary>Keys of an SSE or WebSocket delivery, in order.</summary>
    public static IEnumerable<string> Keys(JsonElement delivery) =>
        delivery.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kv").GetProperty("key").GetString()!);
}
