using System.Globalization;
using System.Text.Json;

namespace Cairn.Bench;

/// <summary>
/// <c>cairn-bench chaos-writer</c>: writers that keep putting while the server is killed and restarted under them.
/// Each logs every attempt before it is sent and every acknowledgement (with its revision) once it is in hand, so
/// <see cref="ChaosVerifier"/> knows exactly what the server promised to keep, and what it might also have kept (an
/// attempt whose answer never came).
/// </summary>
internal static class ChaosWriter
{
    public static async Task<int> RunAsync(ChaosOptions o, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(o.LogDir);
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = o.Url,
            Timeout = TimeSpan.FromSeconds(15),
        };
        var totals = await Task.WhenAll(Enumerable.Range(0, o.Writers).Select(i => WriteAsync(http, o, i, cancellationToken))).ConfigureAwait(false);
        Console.WriteLine($"chaos-writer: writers={o.Writers} attempts={totals.Sum(t => t.Attempts)} acked={totals.Sum(t => t.Acked)} unanswered={totals.Sum(t => t.Unanswered)} refused={totals.Sum(t => t.Refused)}");
        return 0;
    }

    private sealed record Totals(long Attempts, long Acked, long Unanswered, long Refused);

    private static async Task<Totals> WriteAsync(HttpClient http, ChaosOptions o, int writer, CancellationToken cancellationToken)
    {
        var log = new StreamWriter(Path.Combine(o.LogDir, $"w{writer}.log"), append: false) { AutoFlush = true };
        await using (log.ConfigureAwait(false))
        {
            long acked = 0, unanswered = 0, refused = 0, seq = 0;
            for (; !cancellationToken.IsCancellationRequested && (o.StopFile is null || !File.Exists(o.StopFile)); seq++)
            {
                var key = $"chaos/w{writer}/k{seq % o.Keys}";
                var value = $"w{writer}:{seq}";
                await log.WriteLineAsync($"A\t{seq}\t{key}\t{value}").ConfigureAwait(false);
                try
                {
                    using var response = await http.PutAsync("/v1/kv/" + key, new StringContent(value), cancellationToken).ConfigureAwait(false);
                    var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        var revision = JsonDocument.Parse(body).RootElement.GetProperty("revision").GetInt64();
                        await log.WriteLineAsync($"K\t{seq}\t{revision.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                        acked++;
                        continue;
                    }

                    // An answer that is not a success is a refusal: nothing was written (the verifier still allows it).
                    refused++;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or TaskCanceledException)
                {
                    // The server died under the request (or is not back yet): the put may or may not have happened.
                    unanswered++;
                }

                try
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return new Totals(seq, acked, unanswered, refused);
        }
    }
}
