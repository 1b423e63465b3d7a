using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cairn.Core;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Cairn.Server.Tests;

/// <summary>
/// Generated hostile requests (<see cref="FuzzRoutes"/>) to every route of a server with every module on: none may be
/// answered with a 5xx other than the documented 502, 503, 504 and 507, none may hang, and none answered with a 4xx may
/// have written anything (the store revision is the same before and after it). The run is bounded and replayable: a
/// fixed number of cases per family from a fixed seed, both printed on failure and both overridable
/// (<c>CAIRN_FUZZ_SEED</c>, <c>CAIRN_FUZZ_CASES</c>) to explore further.
/// </summary>
public sealed class FuzzTests(FuzzServerFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzServerFixture>
{
    private const ulong DefaultSeed = 20_240_613;
    private const int DefaultCases = 250;
    private const int Size = 20;
    private const int MaxHangs = 3;
    private static readonly int[] Documented5xx = [502, 503, 504, 507];
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Families => [.. FuzzRoutes.All.Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task HostileRequests_AreNeverA5xx_NeverHang_AndWriteNothingWhenRefused(string family)
    {
        var seed = Environment.GetEnvironmentVariable("CAIRN_FUZZ_SEED") is { Length: > 0 } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : DefaultSeed;
        var cases = Environment.GetEnvironmentVariable("CAIRN_FUZZ_CASES") is { Length: > 0 } c ? int.Parse(c, CultureInfo.InvariantCulture) : DefaultCases;
        var generator = FuzzRoutes.All.Single(f => f.Name == family).Requests;

        // Each family its own stream of cases from the one seed, so that one family replays without the others.
        var requests = generator.Sample(size: Size, seed: new Rnd(seed ^ (ulong)StableHash(family)), numberOfSamples: cases);
        var replay = $"family {family}, seed {seed} (replay: CAIRN_FUZZ_SEED={seed} CAIRN_FUZZ_CASES={cases} dotnet test --filter \"FullyQualifiedName~FuzzTests\")";
        output.WriteLine($"Fuzzing {replay}: {cases} cases");
        await WaitForQuietStoreAsync();

        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var (hangs, resets) = (0, 0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests.Length && hangs < MaxHangs; i++)
        {
            var request = requests[i];
            var before = (await fixture.Server.Store.StatusAsync()).Revision;
            int status;
            string body;
            try
            {
                (status, body) = await SendAsync(request);
            }
            catch (TimeoutException)
            {
                hangs++;
                failures.Add($"case {i}: no answer within {Deadline.TotalSeconds} s: {request}");
                continue;
            }
            catch (HttpRequestException ex)
            {
                // The server may answer early (413 from the Content-Length) and close while the body is still going
                // out; the client then sees the connection break. Not a server error, but counted.
                resets++;
                output.WriteLine($"case {i}: connection broke ({ex.Message}): {request}");
                continue;
            }

            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500 && !Documented5xx.Contains(status))
            {
                failures.Add($"case {i}: {status} {Cut(body)} for {request}");
            }
            else if (status is >= 400 and < 500)
            {
                var after = (await fixture.Server.Store.StatusAsync()).Revision;
                if (after != before)
                {
                    failures.Add($"case {i}: answered {status} but the store went from revision {before} to {after} ({await ChangesAsync(before, after)}) for {request}");
                }
            }
        }

        output.WriteLine($"{requests.Length} cases in {clock.Elapsed.TotalSeconds:F1} s; statuses {string.Join(", ", statuses.Select(kv => $"{kv.Key}×{kv.Value}"))}; {resets} broken connections");
        var alive = await fixture.Http.GetAsync("/v1/status");
        Assert.True(alive.IsSuccessStatusCode, $"After the {replay} the server no longer answers GET /v1/status: {(int)alive.StatusCode}");
        Assert.True(failures.Count == 0, $"{failures.Count} failures in {replay}:\n" + string.Join('\n', failures.Take(40)));
    }

    [Fact]
    public void TheFamilies_CoverEveryRouteOfTheServer()
    {
        var routes = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText ?? "").ToHashSet(StringComparer.Ordinal);
        var covered = FuzzRoutes.All.SelectMany(f => f.Routes).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(routes.Except(covered).Order(StringComparer.Ordinal));
        Assert.Empty(covered.Except(routes).Order(StringComparer.Ordinal));
    }

    private async Task<(int Status, string Body)> SendAsync(FuzzRequest request)
    {
        // Sent exactly as generated: no dot-segment removal, no escaping of what the generator left unescaped.
        var uri = new Uri(fixture.TcpEndpoint + request.Target, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (request.Body is { } body)
        {
            message.Content = request.Chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
            message.Headers.TransferEncodingChunked = request.Chunked;
        }

        foreach (var (name, value) in request.Headers)
        {
            if (name == "Content-Type")
            {
                message.Content?.Headers.TryAddWithoutValidation(name, value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            using var response = await fixture.Http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var status = (int)response.StatusCode;

            // A watch that started streams until the client leaves: its status is the answer. Bytes, not a string: a blob
            // is answered with the Content-Type it was stored with, whose charset may be anything ("nope").
            var text = request.Streams && status < 300 ? "(stream)" : Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync(deadline.Token));
            return (status, text);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException();
        }
    }

    // The changes between two revisions, to say what a refused request wrote.
    private async Task<string> ChangesAsync(long before, long after)
    {
        var changes = new List<string>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var response in fixture.Server.Store.WatchAsync(new WatchRequest(KeyRange.All) { StartRevision = before + 1 }, stop.Token))
            {
                changes.AddRange(response.Events.Select(e => $"{e.Type} {e.Kv.Key} at {e.Kv.ModRevision}"));
                if (response.Revision >= after)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or CairnException)
        {
            changes.Add("(history not readable: " + ex.Message + ")");
        }

        return string.Join("; ", changes);
    }

    // Start-up work (a volume's first report, the journal's first resync) writes once; wait for it to settle, so that
    // every later change of revision is a request's.
    private async Task WaitForQuietStoreAsync()
    {
        var deadline = Stopwatch.StartNew();
        var last = (await fixture.Server.Store.StatusAsync()).Revision;
        var quietSince = Stopwatch.StartNew();
        while (quietSince.Elapsed < TimeSpan.FromMilliseconds(300))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "The store kept changing on its own for 30 s; a refused request's writes could not be told apart.");
            await Task.Delay(50);
            var now = (await fixture.Server.Store.StatusAsync()).Revision;
            if (now != last)
            {
                (last, quietSince) = (now, Stopwatch.StartNew());
            }
        }
    }

    private static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
