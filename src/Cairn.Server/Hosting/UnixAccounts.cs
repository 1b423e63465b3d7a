using System.Runtime.InteropServices;

namespace Cairn.Server.Hosting;

/// <summary>
/// User and group names to ids, as chown(1) looks them up: through the C library (getpwnam_r, getgrnam_r), so that every
/// source the system is configured with (files, LDAP, systemd's dynamic users) answers, not only /etc/passwd.
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

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetGrNam(string name, [Out] byte[] entry, [Out] byte[] buffer, nuint length, out nint result);
}
