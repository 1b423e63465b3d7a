using System.Collections.Concurrent;
using Cairn.Carts.Archives;

namespace Cairn.Carts.Tests.Node;

/// <summary>An in-memory archive for the pipeline: files by id, a number of status calls on tape before a file is on
/// disk (or forever), failure injection (status failing, a transfer cut once after some bytes, reads held at a gate), and
/// counters of every call and of the bytes it served.</summary>
internal sealed class FakeArchive(string name = "pacifica") : ICartArchive
{
    private readonly ConcurrentDictionary<string, FakeFile> _files = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public bool SupportsRange { get; set; } = true;

    public int StageCalls;
    public int StatusCalls;
    public int Reads;
    public long BytesServed;

    /// <summary>When set, reads wait here after this many bytes of a file were served in all (a node "in the middle").</summary>
    public TaskCompletionSource? Gate { get; set; }

    public long GateAfterBytes { get; set; }

    public ConcurrentDictionary<string, int> ReadsById { get; } = new(StringComparer.Ordinal);

    public FakeFile Add(string id, byte[] content, DateTimeOffset? modified = null)
    {
        var file = new FakeFile(content, modified ?? new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero));
        _files[id] = file;
        return file;
    }

    public Task StageAsync(string fileId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref StageCalls);
        return Task.CompletedTask;
    }

    public Task<ArchiveFileStatus> StatusAsync(string fileId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref StatusCalls);
        if (!_files.TryGetValue(fileId, out var file))
        {
            throw new CartArchiveException(ArchiveFailure.NotFound, $"404 Client Error: Not Found for url: http://archive/{fileId}");
        }

        if (file.StatusFails)
        {
            throw new CartArchiveException(ArchiveFailure.Transient, "500 Server Error: Internal Server Error");
        }

        var onDisk = file.TapePolls != int.MaxValue && Interlocked.Decrement(ref file.TapePolls) < 0;
        return Task.FromResult(new ArchiveFileStatus(file.ReportedSize ?? file.Content.Length, file.Modified, onDisk ? "disk" : "tape", onDisk, file.Sha256));
    }

    public async Task<Stream> OpenReadAsync(string fileId, long offset, long length, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        ReadsById.AddOrUpdate(fileId, 1, (_, n) => n + 1);
        if (!_files.TryGetValue(fileId, out var file))
        {
            throw new CartArchiveException(ArchiveFailure.NotFound, "404 Client Error: Not Found");
        }

        await Task.Yield();
        var start = SupportsRange ? offset : 0;
        var end = Math.Min(file.Content.Length, start + length);
        var cut = Interlocked.Exchange(ref file.CutAfter, -1);
        if (cut >= 0 && start + cut < end)
        {
            end = start + cut; // the connection drops here, once
        }

        return new CountingStream(this, file.Content.AsMemory((int)start, (int)(end - start)), cancellationToken);
    }

    /// <summary>A file of the fake archive.</summary>
    internal sealed class FakeFile(byte[] content, DateTimeOffset modified)
    {
        public byte[] Content { get; } = content;

        public DateTimeOffset Modified { get; } = modified;

        /// <summary>Status calls answered "tape" before "disk"; int.MaxValue: on tape forever.</summary>
        public int TapePolls;

        public bool StatusFails { get; set; }

        /// <summary>Bytes served before the next transfer is cut (once); -1: none.</summary>
        public long CutAfter = -1;

        public long? ReportedSize { get; set; }

        public string? Sha256 { get; set; }
    }

    private sealed class CountingStream(FakeArchive archive, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default)
        {
            if (archive.Gate is { } gate && Interlocked.Read(ref archive.BytesServed) >= archive.GateAfterBytes)
            {
                await gate.Task.WaitAsync(token).ConfigureAwait(false);
            }

            var n = Math.Min(buffer.Length, data.Length - _position);
            data.Slice(_position, n).CopyTo(buffer);
            _position += n;
            Interlocked.Add(ref archive.BytesServed, n);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
