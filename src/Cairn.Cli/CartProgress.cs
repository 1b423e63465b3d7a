using System.Globalization;
using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary>
/// What <c>cairn cart get</c> says on standard error while it works: on a terminal, one line redrawn in place (a bar, the
/// counts, the ETA or the rate); elsewhere (a log, a pipe), one line per change of state and at most one every few
/// seconds between, so that a log stays readable.
/// </summary>
internal sealed class CartProgress : IProgress<long>
{
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LineEvery = TimeSpan.FromSeconds(5);

    private readonly TextWriter _error;
    private readonly bool _terminal;
    private readonly bool _quiet;
    private readonly TimeProvider _time;
    private string _phase = "";
    private long _lastShown;
    private int _drawnWidth;

    // Staging rate, for an ETA when the server gives none.
    private long _stagingStarted;
    private long _stagingBytesAtStart = -1;

    // Download.
    private long _downloadStarted;
    private long _downloadOffset;
    private long _downloadTotal;
    private bool _endShown;

    public CartProgress(TextWriter error, bool terminal, bool quiet, TimeProvider time)
    {
        _error = error;
        _terminal = terminal;
        _quiet = quiet;
        _time = time;
        _lastShown = time.GetTimestamp();
    }

    /// <summary>True when standard error is this process's console and a terminal.</summary>
    public static bool IsTerminal(TextWriter error) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>A line of its own (a cart created, a download resumed).</summary>
    public void Say(string line)
    {
        if (_quiet)
        {
            return;
        }

        Clear();
        _error.WriteLine(line);
        _error.Flush();
    }

    /// <summary>The cart as last seen (from its event stream).</summary>
    public void Cart(CartDto cart)
    {
        if (cart.State == CartStates.Staging && _stagingBytesAtStart < 0)
        {
            _stagingBytesAtStart = cart.BytesDone;
            _stagingStarted = _time.GetTimestamp();
        }

        var eta = cart.EtaSeconds ?? EstimateEta(cart);
        var text = cart.State switch
        {
            CartStates.Waiting => $"cart {cart.Uid}: waiting for a node to stage its {Num(cart.FileCount)} file(s)",
            CartStates.Staging => $"staging  {Bar(cart.TotalBytes > 0 ? (double)cart.BytesDone / cart.TotalBytes : Ratio(cart.FilesStaged, cart.FileCount))}  "
                + $"{Num(cart.FilesStaged)}/{Num(cart.FileCount)} files"
                + (cart.TotalBytes > 0 ? $"  {Bytes(cart.BytesDone)}/{Bytes(cart.TotalBytes)}" : "")
                + (eta is { } seconds ? "  ETA " + Duration(seconds) : ""),
            CartStates.Bundling => $"bundling {Bar(1)}  {Num(cart.FileCount)} files  {Bytes(cart.TotalBytes)}",
            CartStates.Ready => $"cart {cart.Uid}: ready ({Num(cart.FileCount)} files, {Bytes(cart.TotalBytes)})",
            _ => $"cart {cart.Uid}: {cart.State}" + (cart.Message.Length > 0 ? ": " + cart.Message : ""),
        };
        Show(cart.State, text);
    }

    /// <summary>The download starts (or resumes at <paramref name="offset"/>) of a tar of <paramref name="total"/> bytes.</summary>
    public void StartDownload(long offset, long total)
    {
        _downloadStarted = _time.GetTimestamp();
        _downloadOffset = offset;
        _downloadTotal = total;
        _endShown = false;
        Report(offset);
    }

    /// <summary>The tar's bytes on disk so far (the client's progress callback).</summary>
    public void Report(long value)
    {
        var elapsed = _time.GetElapsedTime(_downloadStarted).TotalSeconds;
        var rate = elapsed > 0.2 ? (value - _downloadOffset) / elapsed : 0;
        var text = $"download {Bar(Ratio(value, _downloadTotal))}  {Bytes(value)}/{Bytes(_downloadTotal)}  {Percent(value, _downloadTotal)}"
            + (rate > 0 ? $"  {Bytes((long)rate)}/s" : "");
        // The end of the download is always shown (once), however soon after the last line it comes.
        var end = value == _downloadTotal && !_endShown;
        _endShown |= end;
        Show("download", text, force: end);
    }

    /// <summary>Ends a redrawn line, so that what follows starts on a line of its own.</summary>
    public void Finish()
    {
        if (_terminal && _drawnWidth > 0)
        {
            _error.WriteLine();
            _error.Flush();
            _drawnWidth = 0;
        }
    }

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? Num(bytes) + " B" : value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private double? EstimateEta(CartDto cart)
    {
        if (cart.State != CartStates.Staging || _stagingBytesAtStart < 0 || cart.TotalBytes <= 0)
        {
            return null;
        }

        var elapsed = _time.GetElapsedTime(_stagingStarted).TotalSeconds;
        var moved = cart.BytesDone - _stagingBytesAtStart;
        return elapsed > 1 && moved > 0 ? (cart.TotalBytes - cart.BytesDone) / (moved / elapsed) : null;
    }

    private void Show(string phase, string text, bool force = false)
    {
        if (_quiet)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var changed = phase != _phase;
        var since = _time.GetElapsedTime(_lastShown, now);
        if (!changed && !force && since < (_terminal ? RedrawEvery : LineEvery))
        {
            return;
        }

        _phase = phase;
        _lastShown = now;
        if (_terminal)
        {
            // Redrawn in place; a change of phase keeps the finished line and starts a new one.
            if (changed && _drawnWidth > 0)
            {
                _error.WriteLine();
                _drawnWidth = 0;
            }

            _error.Write("\r" + text.PadRight(_drawnWidth));
            _drawnWidth = text.Length;
        }
        else
        {
            _error.WriteLine(text);
        }

        _error.Flush();
    }

    private void Clear()
    {
        if (_terminal && _drawnWidth > 0)
        {
            _error.Write("\r" + new string(' ', _drawnWidth) + "\r");
            _drawnWidth = 0;
            _phase = "";
        }
    }

    private static double Ratio(long part, long whole) => whole > 0 ? Math.Clamp((double)part / whole, 0, 1) : 0;

    private static string Bar(double ratio)
    {
        const int Width = 24;
        var filled = (int)Math.Round(Math.Clamp(ratio, 0, 1) * Width);
        return "[" + new string('#', filled) + new string('-', Width - filled) + "]";
    }

    private static string Percent(long part, long whole) => (Ratio(part, whole) * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    private static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, Math.Ceiling(seconds)));
        return span.TotalHours >= 1
            ? $"{Num((long)span.TotalHours)}h{span.Minutes:00}m"
            : span.TotalMinutes >= 1 ? $"{Num(span.Minutes)}m{span.Seconds:00}s" : $"{Num(span.Seconds)}s";
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
