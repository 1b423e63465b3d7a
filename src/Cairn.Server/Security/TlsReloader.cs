using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cairn.Server.Security;

/// <summary>
/// Something made from files (a certificate and its key, a CA bundle), made again when they change on disk, so that a
/// rotated certificate is served without a restart. At most once a second (on the server's clock) a read of
/// <see cref="Current"/> compares the files' modification times and sizes with those of the last attempt; on a change it
/// loads them again. A load that fails — files half-written, a new certificate whose new key is not there yet — keeps
/// the previous one in service and logs a warning; the next change of the files is tried again.
/// </summary>
/// <typeparam name="T">What the files make.</typeparam>
/// <remarks>Thread-safe: handshakes read <see cref="Current"/> concurrently; one of them checks the files while the others
/// go on with the current value.</remarks>
internal sealed class TlsReloader<T>
    where T : class
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

    private readonly string _what;
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private T _current;
    private Stamp[] _stamps;
    private long _checked;

    /// <summary>Loads the files a first time.</summary>
    /// <param name="what">What the files are, for log lines (<c>Tls:CertFile/KeyFile</c>).</param>
    /// <param name="paths">The files watched for changes.</param>
    /// <param name="load">Reads them; throws <see cref="StartupException"/> (or an I/O or cryptographic error) when they
    /// cannot be used.</param>
    /// <param name="time">The server's clock, for the once-a-second check.</param>
    /// <exception cref="StartupException">The files cannot be used now.</exception>
    public TlsReloader(string what, IReadOnlyList<string> paths, Func<T> load, TimeProvider time)
    {
        _what = what;
        _paths = [.. paths];
        _load = load;
        _time = time;
        _stamps = Stat(_paths);
        _current = load();
        _checked = time.GetTimestamp();
    }

    /// <summary>Where reloads and failed reloads are logged (set once the server's logging exists).</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>The value made from the files as they last were when they could be used.</summary>
    public T Current
    {
        get
        {
            CheckForChange();
            return Volatile.Read(ref _current);
        }
    }

    private void CheckForChange()
    {
        if (_time.GetElapsedTime(Volatile.Read(ref _checked)) < CheckEvery || !_gate.TryEnter())
        {
            return;
        }

        try
        {
            if (_time.GetElapsedTime(_checked) < CheckEvery)
            {
                return;
            }

            Volatile.Write(ref _checked, _time.GetTimestamp());
            var stamps = Stat(_paths);
            if (stamps.AsSpan().SequenceEqual(_stamps))
            {
                return;
            }

            _stamps = stamps;
            try
            {
                Volatile.Write(ref _current, _load());
                TlsLog.Reloaded(Logger, _what);
            }
            catch (Exception ex) when (ex is StartupException or IOException or UnauthorizedAccessException or CryptographicException)
            {
                TlsLog.ReloadFailed(Logger, _what, ex.Message);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    private static Stamp[] Stat(string[] paths)
    {
        var stamps = new Stamp[paths.Length];
        for (var i = 0; i < paths.Length; i++)
        {
            try
            {
                var file = new FileInfo(paths[i]);
                stamps[i] = file.Exists ? new Stamp(file.LastWriteTimeUtc, file.Length) : default;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                stamps[i] = default;
            }
        }

        return stamps;
    }

    private readonly record struct Stamp(DateTime Modified, long Length);
}
