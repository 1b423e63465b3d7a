using System.Runtime.InteropServices;

namespace Cairn.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation token, for the commands that hold something (a lock, a leadership, a
/// membership, a delivered item) and must let go of it, and stop the command they run, before they exit. Without it the
/// runtime ends the process at once, and what it held lingers until its session's TTL runs out.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public Interruption(CancellationToken cancellationToken)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
    }

    /// <summary>Fires on SIGINT or SIGTERM (or when the command's own token does).</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>True once interrupted.</summary>
    public bool Interrupted => _source.IsCancellationRequested;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _source.Dispose();
    }

    private void Interrupt(PosixSignalContext signal)
    {
        signal.Cancel = true;
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
