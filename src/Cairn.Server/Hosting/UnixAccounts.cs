using System.Runtime.InteropServices;

namespace Cairn.Server.Hosting;

/// <summary>
/// User and group names to ids, and user ids back to names, as chown(1) and ls(1) look them up: through the C library
/// (getpwnam_r, getgrnam_r, getpwuid_r), so that every source the system is configured with (files, LDAP, systemd's
/// dynamic users) answers, not only /etc/passwd.
/// </summary>
internal static partial class UnixAccounts
{
    private const int ERANGE = 34;

    // struct passwd and struct group begin with two char* (name, password) and then the id, on Linux (glibc, musl) and
    // macOS alike; the rest of either struct is not read. 128 bytes hold either struct on every one of them.
    private static readonly int IdOffset = 2 * IntPtr.Size;
    private const int StructBytes = 128;

    /// <summary>The id of user <paramref name="name"/>; null when there is no such user.</summary>
    public static uint? UserId(string name) => Look(name, GetPwNam);

    /// <summary>The id of group <paramref name="name"/>; null when there is no such group.</summary>
    public static uint? GroupId(string name) => Look(name, GetGrNam);

    /// <summary>The name of user id <paramref name="uid"/> (getpwuid_r); null when no user has it.</summary>
    public static string? UserName(uint uid)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // The name the entry points to is in the buffer, so both live in native memory that cannot move under it.
        var entry = Marshal.AllocHGlobal(StructBytes);
        try
        {
            for (var size = 4096; size <= 1 << 20; size *= 4)
            {
                var buffer = Marshal.AllocHGlobal(size);
                try
                {
                    var error = GetPwUid(uid, entry, buffer, (nuint)size, out var result);
                    if (error == ERANGE)
                    {
                        continue;
                    }

                    return error == 0 && result != 0 ? Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(entry)) : null;
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer);
                }
            }

            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(entry);
        }
    }

    /// <summary>The effective user id of this process (the server's own Unix user).</summary>
    public static uint? EffectiveUserId() => OperatingSystem.IsWindows() ? null : GetEUid();

    private delegate int Lookup(string name, byte[] entry, byte[] buffer, nuint length, out nint result);

    private static uint? Look(string name, Lookup lookup)
    {
        if (OperatingSystem.IsWindows() || name.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var entry = new byte[StructBytes];
        for (var size = 4096; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            var error = lookup(name, entry, buffer, (nuint)buffer.Length, out var result);
            if (error == ERANGE)
            {
                continue; // a group with many members: a larger buffer
            }

            // 0 with no result: no such name. Another error (the name service is down) is no answer either; the start-up
            // error then says the name is unknown, which is what the administrator has to look into.
            return error == 0 && result != 0 ? BitConverter.ToUInt32(entry, IdOffset) : null;
        }

        return null;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetPwNam(string name, [Out] byte[] entry, [Out] byte[] buffer, nuint length, out nint result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static partial int GetPwUid(uint uid, nint entry, nint buffer, nuint length, out nint result);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEUid();

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetGrNam(string name, [Out] byte[] entry, [Out] byte[] buffer, nuint length, out nint result);
}
