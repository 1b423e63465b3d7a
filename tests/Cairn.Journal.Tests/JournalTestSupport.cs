using System.Text;

namespace Cairn.Journal.Tests;

/// <summary>Small helpers the journal tests share.</summary>
internal static class JournalTestSupport
{
    /// <summary>A fixed start for fake clocks, so times in assertions are readable.</summary>
    public static readonly DateTimeOffset T0 = new(2024, 6, 13, 16, 47, 55, TimeSpan.Zero);

    /// <summary>Generous: tests share 2 cores with other assemblies in CI.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);

    public static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>How many journal keys the store holds.</summary>
    public static async Task<long> JournalKeyCountAsync(IKeyspace store) =>
        (await store.RangeAsync(new RangeRequest(KeyRange.Prefix(JournalKeys.Root)) { CountOnly = true })).Count;

    /// <summary>The step key of txid/step, or null.</summary>
    public static async Task<KeyValue?> StepKeyAsync(IKeyspace store, string txid, string step) =>
        (await store.RangeAsync(new RangeRequest(KeyRange.Single(JournalKeys.Step(txid, step))))).Kvs.SingleOrDefault();

    /// <summary>Every file in a directory (temporaries included), by name.</summary>
    public static string[] FileNames(string directory) =>
        Directory.Exists(directory) ? [.. Directory.GetFiles(directory).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)] : [];

    /// <summary>Connects to <paramref name="server"/> with a short request timeout, so outages are noticed quickly.</summary>
    public static async Task<IKeyspace> ConnectAsync(EtcdServer server) => await EtcdBackend.ConnectAsync(server.Endpoint, TimeSpan.FromSeconds(2));

    /// <summary>Waits until <paramref name="store"/> answers again (after its server restarted).</summary>
    public static Task WaitUntilServingAsync(IKeyspace store) =>
        Eventually.UntilAsync(
            async () =>
            {
                try
                {
                    await store.StatusAsync();
                    return true;
                }
                catch (UnavailableException)
                {
                    return false;
                }
            },
            Deadline,
            "the store answers again");
}
