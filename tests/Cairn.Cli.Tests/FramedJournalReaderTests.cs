using System.Text;
using Cairn.Core;

namespace Cairn.Cli.Tests;

/// <summary>The framed reader of <c>cairn journal append --framed</c>, without a server.</summary>
public sealed class FramedJournalReaderTests
{
    private static async Task<List<JournalFrame>> ReadAllAsync(byte[] input, int max = FramedJournalReader.DefaultMaxMessageBytes, Stream? stream = null)
    {
        var frames = new List<JournalFrame>();
        await foreach (var frame in FramedJournalReader.ReadAsync(stream ?? new MemoryStream(input), max))
        {
            frames.Add(frame);
        }

        return frames;
    }

    // Reads until the error; returns the frames read before it and the error.
    private static async Task<(List<JournalFrame> Before, InvalidArgumentException Error)> ReadUntilErrorAsync(byte[] input, int max = FramedJournalReader.DefaultMaxMessageBytes)
    {
        var frames = new List<JournalFrame>();
        var error = await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
        {
            await foreach (var frame in FramedJournalReader.ReadAsync(new MemoryStream(input), max))
            {
                frames.Add(frame);
            }
        });
        return (frames, error);
    }

    [Fact]
    public async Task SeveralFrames_AreReadInOrder_WithTheirNamesAndExactBytes()
    {
        var messages = new[] { Frames.Message("r1", "begin"), Frames.Message("r1", "commit"), """{"request_id":"r2","step":"auth","x":[1,2]}""" };

        var frames = await ReadAllAsync(Frames.Of(messages));

        Assert.Equal([1, 2, 3], frames.Select(f => f.Number));
        Assert.Equal(["r1", "r1", "r2"], frames.Select(f => f.Txid));
        Assert.Equal(["begin", "commit", "auth"], frames.Select(f => f.Step));
        Assert.Equal(messages, frames.Select(f => Encoding.UTF8.GetString(f.Json)));
    }

    [Fact]
    public async Task EmptyInput_HasNoFrames()
    {
        Assert.Empty(await ReadAllAsync([]));
    }

    [Fact]
    public async Task AStreamThatDeliversOneByteAtATime_IsReadTheSame()
    {
        var input = Frames.Of(Frames.Message("a", "begin"), Frames.Message("b", "begin"));

        var frames = await ReadAllAsync([], stream: new TrickleStream(input));

        Assert.Equal(["a", "b"], frames.Select(f => f.Txid));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ATruncatedLength_IsAnError_AfterTheFramesBeforeIt(int lengthBytes)
    {
        var input = Frames.Concat(Frames.Of(Frames.Message("ok", "begin")), Frames.Length(10)[..lengthBytes]);

        var (before, error) = await ReadUntilErrorAsync(input);

        Assert.Equal("ok", Assert.Single(before).Txid);
        Assert.StartsWith("frame 2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("4-byte length", error.Message, StringComparison.Ordinal);
        Assert.Contains($"got {lengthBytes} byte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATruncatedBody_IsAnError()
    {
        var body = Encoding.UTF8.GetBytes(Frames.Message("t", "begin"));
        var input = Frames.Concat(Frames.Length((uint)body.Length), body[..10]);

        var (before, error) = await ReadUntilErrorAsync(input);

        Assert.Empty(before);
        Assert.Equal($"frame 1: the input ends inside the message (got 10 of {body.Length} bytes).", error.Message);
    }

    [Fact]
    public async Task ALengthWithNoBodyAtAll_IsATruncatedBody()
    {
        var (_, error) = await ReadUntilErrorAsync(Frames.Length(5));

        Assert.Contains("got 0 of 5 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AZeroLength_IsAnError()
    {
        var input = Frames.Concat(Frames.Of(Frames.Message("a", "begin")), Frames.Length(0), Frames.Of(Frames.Message("b", "begin")));

        var (before, error) = await ReadUntilErrorAsync(input);

        Assert.Single(before);
        Assert.Equal("frame 2: the length is 0; a frame holds one JSON message.", error.Message);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(0x8000_0000u)]
    [InlineData(16u * 1024 * 1024 + 1)]
    public async Task AHugeLength_IsAnError_WithoutReadingOrAllocatingTheBody(uint length)
    {
        // No body follows: the reader must refuse on the length alone.
        var (_, error) = await ReadUntilErrorAsync(Frames.Length(length));

        Assert.Contains($"the length is {length} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("16777216", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMaximum_IsConfigurable_AndInclusive()
    {
        var message = Frames.Message("m", "begin");
        var size = Encoding.UTF8.GetByteCount(message);

        var atLimit = await ReadAllAsync(Frames.Of(message), max: size);
        var (_, overLimit) = await ReadUntilErrorAsync(Frames.Of(message), max: size - 1);

        Assert.Single(atLimit);
        Assert.Contains($"the length is {size} bytes; the largest message allowed is {size - 1} bytes", overLimit.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"request_id\":\"a\",\"step\":")]
    [InlineData("{\"request_id\":\"a\",\"step\":\"b\"} trailing")]
    public async Task ANonJsonBody_IsAnError(string body)
    {
        var input = Frames.Concat(Frames.Of(Frames.Message("ok", "begin")), Frames.Of(body));

        var (before, error) = await ReadUntilErrorAsync(input);

        Assert.Single(before);
        Assert.StartsWith("frame 2: the message is not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task InvalidUtf8_IsAnError()
    {
        var (_, error) = await ReadUntilErrorAsync(Frames.Frame([(byte)'"', 0xFF, 0xFE, (byte)'"']));

        Assert.StartsWith("frame 1: the message is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1,2]", "is a JSON array")]
    [InlineData("\"text\"", "is a JSON string")]
    [InlineData("{\"step\":\"begin\"}", "has no 'request_id'")]
    [InlineData("{\"request_id\":null,\"step\":\"begin\"}", "has no 'request_id'")]
    [InlineData("{\"request_id\":\"r\"}", "has no 'step'")]
    [InlineData("{\"request_id\":42,\"step\":\"begin\"}", "'request_id' must be a non-empty string")]
    [InlineData("{\"request_id\":\"r\",\"step\":\"\"}", "'step' must be a non-empty string")]
    [InlineData("{\"request_id\":\"r\",\"step\":{\"name\":\"begin\"}}", "'step' must be a non-empty string")]
    public async Task AMessageWithoutStringRequestIdAndStep_IsAnError(string body, string expected)
    {
        var (_, error) = await ReadUntilErrorAsync(Frames.Of(body));

        Assert.StartsWith("frame 1: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FramesAreReadLazily_SoTheOnesBeforeABadFrameAreHandledFirst()
    {
        var input = Frames.Concat(Frames.Of(Frames.Message("a", "begin"), Frames.Message("b", "begin")), Frames.Of("garbage"));
        var handled = new List<string>();

        await Assert.ThrowsAsync<InvalidArgumentException>(async () =>
        {
            await foreach (var frame in FramedJournalReader.ReadAsync(new MemoryStream(input)))
            {
                handled.Add(frame.Txid);
            }
        });

        Assert.Equal(["a", "b"], handled);
    }

    /// <summary>A stream that returns at most one byte per read, like a slow pipe.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);
    }
}
