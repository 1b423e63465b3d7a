using System.Runtime.InteropServices;

namespace Cairn.Jobs;

public sealed partial class ScriptJobs
{
    /// <summary>The few libc calls the runner needs: real paths (links resolved), the executable check as the kernel
    /// makes it, and killing a process group.</summary>
    internal static partial class Native
    {
        private const int XOk = 1;
        private const int SigKill = 9;

        /// <summary>setsid(1), if the system has it (util-linux); without it a script runs in the worker's group and only
        /// its descendants are killed (<see cref="System.Diagnostics.Process.Kill(bool)"/>).</summary>
        public static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

        /// <summary>The path with every link resolved, or null when it (or a link in it) does not exist.</summary>
        public static string? RealPath(string path)
        {
            var resolved = RealPathNative(path, IntPtr.Zero);
            if (resolved == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringUTF8(resolved);
            }
            finally
            {
                Free(resolved);
            }
        }

        /// <summary>Whether the server's user may execute the file (access(2), which knows owner, group and root).</summary>
        public static bool IsExecutable(string path) => Access(path, XOk) == 0;

        /// <summary>SIGKILL to every process of the group; a group that is gone is no error.</summary>
        public static void KillGroup(int pgid)
        {
            if (Setsid is not null && pgid > 1)
            {
                _ = Kill(-pgid, SigKill);
            }
        }

        [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
        private static partial IntPtr RealPathNative(string path, IntPtr resolved);

        [LibraryImport("libc", EntryPoint = "free")]
        private static partial void Free(IntPtr pointer);

        [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Access(string path, int mode);

        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static partial int Kill(int pid, int signal);
    }
}
