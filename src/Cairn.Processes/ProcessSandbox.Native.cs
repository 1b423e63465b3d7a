using System.Runtime.InteropServices;

namespace Cairn.Processes;

public sealed partial class ProcessSandbox
{
    /// <summary>What a path is, as lstat(2) tells it (links not followed).</summary>
    private enum FileKind
    {
        Other,
        Regular,
        Directory,
        Link,
    }

    /// <summary>What <see cref="Native.Status"/> reads of a path.</summary>
    private readonly record struct FileStatus(FileKind Kind, uint Uid, uint Gid);

    /// <summary>The libc calls .NET has no API for: the effective ids, user lookups through the name service (so LDAP and
    /// systemd's dynamic users are found, not only /etc/passwd), lchown, the hard limits, and statx (whose layout, unlike
    /// struct stat's, is the same on every architecture).</summary>
    private static partial class Native
    {
        public const int RlimitCpu = 0;
        public const int RlimitNproc = 6;
        public const int RlimitNofile = 7;
        public const int RlimitAs = 9;

        private const int Erange = 34;
        private const int AtFdCwd = -100;
        private const int AtSymlinkNoFollow = 0x100;
        private const uint StatxTypeModeUidGid = 0x01 | 0x02 | 0x08 | 0x10;
        private const int StatxBytes = 256;
        private const int ModeTypeMask = 0xF000;
        private const int ModeRegular = 0x8000;
        private const int ModeDirectory = 0x4000;
        private const int ModeLink = 0xA000;

        // struct passwd: pw_name, pw_passwd (pointers), pw_uid, pw_gid (32-bit), pw_gecos, pw_dir, pw_shell (pointers).
        private static readonly int UidOffset = 2 * IntPtr.Size;
        private static readonly int DirOffset = (3 * IntPtr.Size) + 8;
        private const int PasswdBytes = 128;

        public static uint GetEffectiveUserId() => GetEuid();

        public static uint GetEffectiveGroupId() => GetEgid();

        /// <summary>The user named <paramref name="name"/>; null when there is none.</summary>
        public static Account? LookUp(string name) =>
            name.Contains('\0', StringComparison.Ordinal) ? null : LookUp((entry, buffer, length) => Found(GetPwNam(name, entry, buffer, length, out var result), result));

        /// <summary>The user with uid <paramref name="uid"/>; null when there is none.</summary>
        public static Account? LookUp(uint uid) =>
            LookUp((entry, buffer, length) => Found(GetPwUid(uid, entry, buffer, length, out var result), result));

        /// <summary>lchown(2): the link itself, never what it points to.</summary>
        /// <exception cref="IOException">It failed (errno in the message).</exception>
        public static void ChangeOwner(string path, uint uid, uint gid)
        {
            if (LChown(path, uid, gid) != 0)
            {
                throw new IOException($"Could not give '{path}' to uid {uid}, gid {gid} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }

        /// <summary>The hard limit of <paramref name="resource"/>; null when unlimited or unknown.</summary>
        public static ulong? HardLimit(int resource)
        {
            Span<nuint> limit = stackalloc nuint[2];
            if (GetRlimit(resource, ref MemoryMarshal.GetReference(limit)) != 0 || limit[1] == nuint.MaxValue)
            {
                return null;
            }

            return limit[1];
        }

        /// <summary>The kind and owner of <paramref name="path"/> itself (a link is not followed); null when it does not
        /// exist.</summary>
        public static FileStatus? Status(string path)
        {
            var buffer = new byte[StatxBytes];
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxTypeModeUidGid, buffer) != 0)
            {
                return null;
            }

            var mode = BitConverter.ToUInt16(buffer, 28) & ModeTypeMask;
            var kind = mode switch
            {
                ModeRegular => FileKind.Regular,
                ModeDirectory => FileKind.Directory,
                ModeLink => FileKind.Link,
                _ => FileKind.Other,
            };
            return new FileStatus(kind, BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt32(buffer, 24));
        }

        private delegate int Lookup(IntPtr entry, IntPtr buffer, nuint length);

        /// <summary>0 when the lookup found the user; its error (ERANGE: a larger buffer) or -1 (no such user) otherwise.</summary>
        private static int Found(int error, IntPtr result) => error != 0 ? error : result != IntPtr.Zero ? 0 : -1;

        private static unsafe Account? LookUp(Lookup lookup)
        {
            // The strings of the entry point into the buffer, so both live in native memory until they are read.
            for (var size = 4096; size <= 1 << 20; size *= 4)
            {
                var entry = NativeMemory.AllocZeroed(PasswdBytes);
                var buffer = NativeMemory.Alloc((nuint)size);
                try
                {
                    var error = lookup((IntPtr)entry, (IntPtr)buffer, (nuint)size);
                    if (error == Erange)
                    {
                        continue;
                    }

                    if (error != 0)
                    {
                        return null;
                    }

                    var bytes = (byte*)entry;
                    var name = Marshal.PtrToStringUTF8(*(IntPtr*)bytes) ?? "";
                    var uid = *(uint*)(bytes + UidOffset);
                    var gid = *(uint*)(bytes + UidOffset + 4);
                    var home = Marshal.PtrToStringUTF8(*(IntPtr*)(bytes + DirOffset));
                    return new Account(name, uid, gid, string.IsNullOrEmpty(home) ? "/" : home);
                }
                finally
                {
                    NativeMemory.Free(buffer);
                    NativeMemory.Free(entry);
                }
            }

            return null;
        }

        [LibraryImport("libc", EntryPoint = "geteuid")]
        private static partial uint GetEuid();

        [LibraryImport("libc", EntryPoint = "getegid")]
        private static partial uint GetEgid();

        [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int GetPwNam(string name, IntPtr entry, IntPtr buffer, nuint length, out IntPtr result);

        [LibraryImport("libc", EntryPoint = "getpwuid_r")]
        private static partial int GetPwUid(uint uid, IntPtr entry, IntPtr buffer, nuint length, out IntPtr result);

        [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int LChown(string path, uint uid, uint gid);

        [LibraryImport("libc", EntryPoint = "getrlimit")]
        private static partial int GetRlimit(int resource, ref nuint limit);

        [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);
    }
}
