using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cairn.Server.Tests;

public sealed class ConcurrencyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FiftyClients_IncrementingWithIfMatch_EndAtTheNumberOfSuccessfulIncrements()
    {
        using var http = fixture.TcpHttp();
        await http.PutAsync("/v1/kv/counter", new StringContent("0"));
        var successes = 0;

        async Task ClientAsync(int client)
        {
            using var own = client % 2 == 0 ? fixture.TcpHttp() : fixture.UnixHttp();
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/v1/kv/counter");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                var current = await (await own.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
                var kv = current.GetProperty("kv");
                var value = int.Parse(System.Text.Encoding.UTF8.GetString(kv.GetProperty("value").GetBytesFromBase64()), System.Globalization.CultureInfo.InvariantCulture);

                var put = new HttpRequestMessage(HttpMethod.Put, "/v1/kv/counter") { Content = new StringContent((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
                put.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{kv.GetProperty("modRevision").GetInt64()}\""));
                var response = await own.SendAsync(put);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref successes);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 50).Select(ClientAsync));

        Assert.True(successes > 0);
        Assert.Equal(successes.ToString(System.Globalization.CultureInfo.InvariantCulture), await http.GetStringAsync("/v1/kv/counter"));
    }
}
