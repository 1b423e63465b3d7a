using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cairn.Testing;

/// <summary>What the tests' real servers (etcd, ZooKeeper, <c>cairn serve</c>) share: free loopback ports, and signals
/// that pause and resume a process (a hung server, a frozen node).</summary>
public static partial class TestProcesses
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private const int SigKill = 9;

    /// <summary>A loopback TCP port free when asked; nothing holds it afterwards, so a server that binds it may find it
    /// taken and must be started again on another.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGSTOP: the process stops in its tracks; its sockets stay open and nothing answers.</summary>
    public static void Pause(int pid) => Signal(pid, SigStop);

    /// <summary>SIGCONT: a paused process goes on.</summary>
    public static void Resume(int pid) => Signal(pid, SigCont);

    /// <summary>SIGKILL, sent and not waited for (for exit handlers, which the test host gives little time); a process
    /// already gone is no error.</summary>
    public static void KillNow(int pid) => _ = Kill(pid, SigKill);

    private static void Signal(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
