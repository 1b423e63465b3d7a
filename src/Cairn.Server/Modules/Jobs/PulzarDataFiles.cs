using System.Security.Cryptography;
using Cairn.Processes;
using Cairn.Volumes;

namespace Cairn.Server.Modules.Jobs;

/// <summary>
/// The file a seed-style job's <c>pulzar_data</c> names, as a plain file the script can open. A stored value's volume
/// file holds its body followed by Cairn's checksum trailer, so it is not the value: the body is copied (checked as it
/// is read) into <c>&lt;work&gt;/pulzar-data/&lt;sha256&gt;</c> once, and jobs on the same value share that copy. The job
/// runs on the node that holds the value (<c>launch_job</c> pins it there), so the copy is local; elsewhere (a recurring
/// job) it is fetched from the holder. Copies unused for <see cref="MaxAge"/> are removed by the maintenance loop. Jobs
/// that run as another user read them through its group (<see cref="ProcessSandbox.ShareForReading"/>); other local
/// users cannot.
/// </summary>
internal sealed class PulzarDataFiles(BlobStore? blobs, string workDirectory, TimeProvider time, ProcessSandbox sandbox)
{
    /// <summary>How often unused copies are looked for.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    /// <summary>A copy no job opened for this long is removed.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);

    private readonly string _directory = Path.Combine(workDirectory, "pulzar-data");

    /// <summary>The path of a plain copy of the value under <paramref name="key"/>; null when there is no such value (or
    /// no blob store on this server).</summary>
    public async Task<string?> PathAsync(string key, CancellationToken cancellationToken)
    {
        if (blobs is null)
        {
            return null;
        }

        var reader = await blobs.OpenReadAsync(key, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        await using (reader.ConfigureAwait(false))
        {
            Directory.CreateDirectory(_directory);
            sandbox.ShareForReading(_directory);
            var path = Path.Combine(_directory, reader.Info.Sha256);
            if (File.Exists(path))
            {
                sandbox.ShareForReading(path);
                File.SetLastWriteTimeUtc(path, time.GetUtcNow().UtcDateTime);
                return path;
            }

            // Written beside it and renamed: a job never sees half a copy, and two jobs copying at once both succeed.
            var partial = path + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)) + ".tmp";
            try
            {
                var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    await reader.CopyToAsync(file, 0, reader.Info.Size, cancellationToken).ConfigureAwait(false);
                }

                sandbox.ShareForReading(partial);
                File.Move(partial, path, overwrite: true);
                return path;
            }
            finally
            {
                File.Delete(partial);
            }
        }
    }

    /// <summary>Removes copies no job opened for <see cref="MaxAge"/>; errors (a copy in use, a file gone) are skipped.</summary>
    public void Sweep(DateTimeOffset now)
    {
        if (!Directory.Exists(_directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            try
            {
                if (now.UtcDateTime - File.GetLastWriteTimeUtc(file) > MaxAge)
                {
                    File.Delete(file);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
