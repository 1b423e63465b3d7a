using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Cairn.Server.Tests;

/// <summary>A 1 GiB blob streamed in and out of the real <c>cairn serve</c>: the bytes come back intact and the server's
/// peak memory (VmHWM) stays far below the blob's size.</summary>
public sealed class BlobMemoryTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const long Size = 1L << 30;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("cairn-memory-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task AOneGibibyteRoundTrip_KeepsTheServersMemoryFlat()
    {
        using var server = await ServerProcess.StartAsync(_dataDir, TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["CAIRN_DURABILITY"] = "None" });
        using var http = ServerFixture.UnixHttpClient(server.SocketPath);
        http.Timeout = TimeSpan.FromMinutes(10);

        using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var put = new HttpRequestMessage(HttpMethod.Put, "/v1/blobs/huge/one-gib.bin") { Content = new StreamContent(new GeneratedStream(Size, sent), 1 << 20) };
        put.Content.Headers.ContentLength = Size;
        using (var response = await http.SendAsync(put))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var expected = Convert.ToHexStringLower(sent.GetHashAndReset());
        using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        using (var response = await http.GetAsync("/v1/blobs/huge/one-gib.bin", HttpCompletionOption.ResponseHeadersRead))
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[1 << 20];
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                received.AppendData(buffer, 0, n);
                length += n;
            }
        }

        Assert.Equal(Size, length);
        Assert.Equal(expected, Convert.ToHexStringLower(received.GetHashAndReset()));
        var peak = PeakRssBytes(server.Pid);
        output.WriteLine($"server peak RSS (VmHWM) after a 1024 MiB round trip: {peak / (1024 * 1024)} MiB");
        Assert.True(peak < 400L * 1024 * 1024, $"the server's peak RSS was {peak / (1024 * 1024)} MiB for a 1024 MiB blob");
    }

    private static long PeakRssBytes(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Deterministic pseudo-random bytes, generated as they are read (no buffer of the whole size anywhere).</summary>
    private sealed class GeneratedStream(long length, IncrementalHash hash) : Stream
    {
        private readonly Random _random = new(42);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            _random.NextBytes(buffer.AsSpan(offset, n));
            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
