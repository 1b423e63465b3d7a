using System.Buffers;
using System.Security.Cryptography;
using Cairn.Carts.Archives;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Core.IO;

namespace Cairn.Carts;

// One file: stage, poll the status with backoff until it is on the archive's disk (StageTimeout), reserve room, copy in
// chunks (retried with backoff, resumed by range where the archive allows), check the size and hashes, set the mtime,
// fsync, rename .part to .data, fsync the directory, and only then record it staged.
internal sealed partial class CartJob
{
    private const string StageError = "Failed to stage with error: ";
    private const string StatusError = "Failed to status file with error: ";
    private const string PullError = "Failed to pull with error: ";
    private const string HashMismatch = PullError + "File hash does not match provided hash";

    private async Task StageFileAsync(CartFileDto file, CancellationToken token)
    {
        try
        {
            var archive = _node.Archives.Get(_record.Archive);
            file.State = CartFileStates.Staging;
            await WriteAsync(file, null, [], token).ConfigureAwait(false);
            await CallAsync(async ct =>
            {
                await archive.StageAsync(file.Id, ct).ConfigureAwait(false);
                return true;
            }, StageError, StageError, token).ConfigureAwait(false);
            var status = await PollAsync(archive, file, token).ConfigureAwait(false);
            await FetchAsync(archive, file, status, token).ConfigureAwait(false);
        }
        catch (FileFailedException e)
        {
            await FailAsync(file, e.Message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (ClaimLostException)
        {
            Stop();
        }
        catch (InvalidArgumentException e)
        {
            await FailAsync(file, StageError + e.Message, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Status calls until the file is on the archive's disk: waits of PollInitial doubling to PollMax, at most
    /// StageTimeout in all.</summary>
    private async Task<ArchiveFileStatus> PollAsync(ICartArchive archive, CartFileDto file, CancellationToken token)
    {
        var started = _time.GetTimestamp();
        var delay = new RetryDelay(_options.PollInitial, _options.PollMax);
        while (true)
        {
            var status = await CallAsync(ct => archive.StatusAsync(file.Id, ct), StatusError, StageError, token).ConfigureAwait(false);
            file.StatusCalls++;
            file.Media = status.Media;
            file.Size = status.Size;
            file.Modified = status.Modified;
            await WriteAsync(file, null, [], token).ConfigureAwait(false);
            if (status.Size < 0)
            {
                throw new FileFailedException($"{StatusError}the archive gave a negative size ({status.Size}).");
            }

            if (status.OnDisk)
            {
                return status;
            }

            var left = _options.StageTimeout - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                throw new FileFailedException($"{StageError}the file is still on {status.Media} after {CartNode.Show(_options.StageTimeout)} (Carts:StageTimeout).");
            }

            var wait = delay.Next();
            await Task.Delay(wait < left ? wait : left, _time, token).ConfigureAwait(false);
        }
    }

    private async Task FetchAsync(ICartArchive archive, CartFileDto file, ArchiveFileStatus status, CancellationToken token)
    {
        var size = status.Size;
        var part = _volume.PartPath(CartId, file.Index);
        var data = _volume.DataPath(CartId, file.Index);
        if (CartVolume.IsLink(part) || !archive.SupportsRange || !(CartVolume.RegularFileLength(part) <= size))
        {
            CartVolume.DeleteEntry(part);
        }

        CartVolume.DeleteEntry(data);
        var existing = CartVolume.RegularFileLength(part) ?? 0;
        file.State = CartFileStates.Fetching;
        file.BytesDone = existing;
        await WriteAsync(file, null, [], token).ConfigureAwait(false);

        using var room = await ReserveAsync(size - existing, token).ConfigureAwait(false);
        using var hash = file.HashType is { } type ? CartHashes.Create(type) : null;
        using var sha = status.Sha256 is not null && file.HashType != "sha256" ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, _options.TransferSize));
        try
        {
            await using (var target = OpenPart(part))
            {
                var offset = await HashExistingAsync(target, existing, buffer, hash, sha, token).ConfigureAwait(false);
                await CopyAsync(archive, file, target, offset, size, buffer, hash, sha, token).ConfigureAwait(false);
                var digest = hash?.GetHashAndReset();
                var sha256 = sha?.GetHashAndReset() ?? (file.HashType == "sha256" ? digest : null);
                if ((digest is not null && file.HashSum is { } expected && !CartHashes.Matches(expected, digest))
                    || (status.Sha256 is { } known && sha256 is not null && !CartHashes.Matches(known, sha256)))
                {
                    // These bytes are wrong: a retry (after a fix) must not resume from them.
                    target.SetLength(0);
                    throw new FileFailedException(HashMismatch);
                }

                Local(() => File.SetLastWriteTimeUtc(target.SafeFileHandle, status.Modified.UtcDateTime));
                Local(() => target.Flush(flushToDisk: true));
            }

            Local(() =>
            {
                File.Move(part, data, overwrite: true);
                FileSync.Directory(_volume.CartDirectory(CartId));
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        file.State = CartFileStates.Staged;
        file.BytesDone = size;
        await WriteAsync(file, null, [], token).ConfigureAwait(false);
    }

    private static FileStream OpenPart(string part)
    {
        try
        {
            return new FileStream(part, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.Asynchronous);
        }
        catch (IOException e)
        {
            throw Local(e);
        }
    }

    /// <summary>Feeds the part already written (a resumed transfer) to the hashes; returns where copying resumes.</summary>
    private static async Task<long> HashExistingAsync(FileStream target, long existing, byte[] buffer, IncrementalHash? hash, IncrementalHash? sha, CancellationToken token)
    {
        target.Position = 0;
        var done = 0L;
        while (done < existing)
        {
            var n = await target.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, existing - done)), token).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            hash?.AppendData(buffer, 0, n);
            sha?.AppendData(buffer, 0, n);
            done += n;
        }

        target.SetLength(done);
        target.Position = done;
        return done;
    }

    private async Task CopyAsync(ICartArchive archive, CartFileDto file, FileStream target, long offset, long size, byte[] buffer,
        IncrementalHash? hash, IncrementalHash? sha, CancellationToken token)
    {
        var retry = new RetryDelay(_options.RetryInitial, _options.RetryMax);
        var failures = 0;
        var lastProgress = _time.GetTimestamp();
        var chunk = Math.Max(1, Math.Min(buffer.Length, _options.TransferSize));
        while (offset < size)
        {
            try
            {
                await using var source = await archive.OpenReadAsync(file.Id, offset, size - offset, token).ConfigureAwait(false);
                while (offset < size)
                {
                    var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(chunk, size - offset)), token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    await WriteLocalAsync(target, buffer, n, token).ConfigureAwait(false);
                    hash?.AppendData(buffer, 0, n);
                    sha?.AppendData(buffer, 0, n);
                    offset += n;
                    file.BytesDone = offset;
                    failures = 0;
                    retry.Reset();
                    if (_time.GetElapsedTime(lastProgress) >= _options.ProgressInterval && offset < size)
                    {
                        await WriteAsync(file, null, [], token).ConfigureAwait(false);
                        lastProgress = _time.GetTimestamp();
                    }
                }

                if (offset < size)
                {
                    throw new CartArchiveException(ArchiveFailure.Transient, $"the transfer ended at byte {offset} of {size}");
                }
            }
            catch (Exception e) when (IsTransient(e, token))
            {
                if (++failures >= Math.Max(1, _options.Attempts))
                {
                    throw new FileFailedException(PullError + CartNode.Describe(e));
                }

                await Task.Delay(retry.Next(), _time, token).ConfigureAwait(false);
                if (!archive.SupportsRange && offset > 0)
                {
                    // Only a whole transfer can be asked for again: start over.
                    target.SetLength(0);
                    target.Position = 0;
                    offset = 0;
                    hash?.GetHashAndReset();
                    sha?.GetHashAndReset();
                    file.BytesDone = 0;
                }
            }
            catch (CartArchiveException e)
            {
                throw new FileFailedException(PullError + e.Message);
            }
        }
    }

    private static async Task WriteLocalAsync(FileStream target, byte[] buffer, int count, CancellationToken token)
    {
        try
        {
            await target.WriteAsync(buffer.AsMemory(0, count), token).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw Local(e);
        }
    }

    /// <summary>Runs a step on the local disk; its failure fails the file.</summary>
    private static void Local(Action step)
    {
        try
        {
            step();
        }
        catch (IOException e)
        {
            throw Local(e);
        }
    }

    private static FileFailedException Local(IOException e) =>
        new(DiskSpace.IsFull(e) ? NotEnoughSpace : PullError + e.Message);

    /// <summary>An archive call, retried with backoff while it fails transiently (Attempts in all).</summary>
    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, string prefix, string notFoundPrefix, CancellationToken token)
    {
        var retry = new RetryDelay(_options.RetryInitial, _options.RetryMax);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(token).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, token))
            {
                if (attempt >= Math.Max(1, _options.Attempts))
                {
                    throw new FileFailedException(prefix + CartNode.Describe(e));
                }

                await Task.Delay(retry.Next(), _time, token).ConfigureAwait(false);
            }
            catch (CartArchiveException e)
            {
                throw new FileFailedException((e.Failure == ArchiveFailure.NotFound ? notFoundPrefix : prefix) + e.Message);
            }
        }
    }

    /// <summary>Worth another try: the archive said so, or the connection failed (not our own cancellation).</summary>
    private static bool IsTransient(Exception e, CancellationToken token) => e switch
    {
        CartArchiveException archive => archive.Failure == ArchiveFailure.Transient,
        OperationCanceledException => !token.IsCancellationRequested,
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };
}
