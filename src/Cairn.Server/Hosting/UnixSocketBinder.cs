using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cairn.Server.Hosting;

/// <summary>
/// Binds a Unix listener's socket so that it never exists at its path with another mode, owner or group than its
/// settings give: it is bound in a new private directory (0700) beside the path, given its mode, owner and group there,
/// made to listen, and only then linked into its path, in one step. A client sees no socket, or the finished one, never
/// one it could connect to that should have refused it (or the reverse).
/// </summary>
/// <remarks>
/// link(2) rather than rename(2): both put the socket at its path atomically, but rename would silently replace a
/// socket another server put there since start-up looked (<see cref="ListenerAddress.PrepareUnixSocket"/>); link fails
/// instead, as binding there would have. The private directory is beside the path so that the link stays within one
/// file system.
/// </remarks>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static partial class UnixSocketBinder
{
    /// <summary>The staging directory's name: <c>.cairn.</c> and 6 random characters, as mktemp makes them.</summary>
    public const int StagingNameBytes = 13;

    private const int EEXIST = 17;

    /// <summary>The longest path a socket can be bound at directly, in bytes (sun_path holds 108 with the NUL).</summary>
    public const int MaxPathBytes = 107;

    /// <summary>Where a socket at <paramref name="path"/> is bound first: this many bytes longer than its directory.</summary>
    public static int StagedPathBytes(string path) =>
        System.Text.Encoding.UTF8.GetByteCount(Path.GetDirectoryName(path)!) + 1 + StagingNameBytes + 2;

    /// <summary>Binds a listening socket at <paramref name="path"/> with <paramref name="options"/>, as described
    /// above. Nothing is left behind when it fails.</summary>
    /// <exception cref="IOException">A step failed (no permission to give the socket its owner or group, a file
    /// appeared at the path); the message names the path and the step.</exception>
    public static Socket Bind(string path, UnixSocketOptions options, int backlog)
    {
        var staging = MakeStagingDirectory(path);
        var staged = Path.Combine(staging, "s");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(staged));
            if (options.Owner is not null || options.Group is not null)
            {
                // lchown: the staged name is in a directory only this process can write, but a symlink is never followed.
                var owner = options.Owner?.Number ?? uint.MaxValue;
                var group = options.Group?.Number ?? uint.MaxValue;
                Check(LChown(staged, owner, group), path, $"give it {Describe(options)}");
            }

            File.SetUnixFileMode(staged, options.Mode);
            socket.Listen(backlog);
            Check(Link(staged, path), path, "put it at its path");
            File.Delete(staged);
            return socket;
        }
        catch
        {
            socket.Dispose(); // removes the staged socket file, if it is still there
            throw;
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (IOException)
            {
                // Gone already, or not empty for a reason to look into: neither is worth failing a listener for.
            }
        }
    }

    private static string Describe(UnixSocketOptions options) =>
        (options.Owner, options.Group) switch
        {
            ({ } owner, { } group) => $"owner {owner} and group {group}",
            ({ } owner, null) => $"owner {owner}",
            (null, var group) => $"group {group}",
        };

    private static string MakeStagingDirectory(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        while (true)
        {
            var staging = Path.Combine(directory, ".cairn." + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 6));
            if (MkDir(staging, 0b111_000_000) == 0)
            {
                return staging;
            }

            var error = Marshal.GetLastPInvokeError();
            if (error != EEXIST)
            {
                throw new IOException($"Cannot bind unix:{path}: cannot make the private directory {staging} to bind it in: {Marshal.GetPInvokeErrorMessage(error)}.");
            }
        }
    }

    private static void Check(int result, string path, string step)
    {
        if (result != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            var why = error == EEXIST ? "a file was created at that path after start-up had checked it" : Marshal.GetPInvokeErrorMessage(error);
            throw new IOException($"Cannot bind unix:{path}: cannot {step}: {why}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkDir(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, uint owner, uint group);
}
