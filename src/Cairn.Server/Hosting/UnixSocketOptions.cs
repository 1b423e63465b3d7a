using System.Globalization;

namespace Cairn.Server.Hosting;

/// <summary>
/// The mode, owner and group a Unix listener's socket file gets, written after its path:
/// <c>unix:/run/journal.sock?mode=0660&amp;owner=cairn&amp;group=app</c>. Connecting to a socket needs write
/// permission on it, so <c>mode</c> decides who may be a client; <c>owner</c> and <c>group</c> take a name or a
/// number, and need the privilege to give a file away (root, or a group the server's user is in).
/// </summary>
/// <param name="Mode">The socket file's permission bits (no set-id or sticky bits).</param>
/// <param name="Owner">The owner as written and its user id; null: the server's user.</param>
/// <param name="Group">The group as written and its group id; null: the server's group.</param>
internal sealed record UnixSocketOptions(UnixFileMode Mode, UnixSocketOptions.Id? Owner, UnixSocketOptions.Id? Group)
{
    /// <summary>0700, <c>srwx------</c>: only the server's user connects. The default of the main listeners and
    /// Pulzar's, as the process's umask (077) made them before a mode could be set.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0666, <c>srw-rw-rw-</c>: every local user connects. The journal's default: its clients are other
    /// services' users, and the seed's socket was world-writable (0777; execute means nothing on a socket).</summary>
    public const UnixFileMode Shared = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead
        | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    private const int MaxMode = 0b111_111_111; // 0777

    /// <summary>Reads the options after a Unix listener's <c>?</c> (<paramref name="query"/>, without the
    /// <c>?</c>); what is not given is <paramref name="defaultMode"/> and the server's own user and group.</summary>
    /// <param name="listener">The listener as configured, for messages.</param>
    /// <param name="query">The text after <c>?</c>: <c>NAME=VALUE</c> pairs joined by <c>&amp;</c>.</param>
    /// <param name="defaultMode">The mode when <c>mode</c> is not given.</param>
    /// <exception cref="StartupException">An option is unknown, given twice, or its value cannot work.</exception>
    public static UnixSocketOptions Parse(string listener, string query, UnixFileMode defaultMode)
    {
        var mode = defaultMode;
        Id? owner = null;
        Id? group = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = (equals < 0 ? pair : pair[..equals]).ToLowerInvariant();
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (name is not ("mode" or "owner" or "group"))
            {
                throw Bad(listener, $"'{pair}' is not an option of a Unix socket");
            }

            if (!seen.Add(name))
            {
                throw Bad(listener, $"{name} is given twice");
            }

            if (value.Length == 0)
            {
                throw Bad(listener, $"{name} has no value");
            }

            switch (name)
            {
                case "mode":
                    mode = ParseMode(listener, value);
                    break;
                case "owner":
                    owner = new Id(value, ParseId(value) ?? UnixAccounts.UserId(value) ?? throw Bad(listener, $"owner '{value}' is not a user of this system"));
                    break;
                default:
                    group = new Id(value, ParseId(value) ?? UnixAccounts.GroupId(value) ?? throw Bad(listener, $"group '{value}' is not a group of this system"));
                    break;
            }
        }

        return new UnixSocketOptions(mode, owner, group);
    }

    private static UnixFileMode ParseMode(string listener, string value)
    {
        // Octal only, as chmod takes it: "0660" or "660"; nothing above 0777 (no set-id or sticky bits).
        if (value.Length > 4 || value.Any(c => c is < '0' or > '7'))
        {
            throw Bad(listener, $"mode '{value}' is not an octal file mode from 0 to 0777 (e.g. mode=0660)");
        }

        var mode = Convert.ToInt32(value, 8);
        return mode > MaxMode
            ? throw Bad(listener, $"mode '{value}' is not an octal file mode from 0 to 0777 (e.g. mode=0660)")
            : (UnixFileMode)mode;
    }

    // A number is an id as it is, as chown takes it: the account need not have a name.
    private static uint? ParseId(string value) =>
        value.All(char.IsAsciiDigit) && uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id != uint.MaxValue
            ? id
            : null;

    private static StartupException Bad(string listener, string what) =>
        new($"Listener '{listener}': {what}. A Unix listener takes mode (octal), owner and group (a name or a number), e.g. unix:/run/cairn/journal.sock?mode=0660&group=app.");

    /// <summary>A user or group: as written in the listener, and its number.</summary>
    /// <param name="Given">The name or number as written.</param>
    /// <param name="Number">The user or group id.</param>
    internal sealed record Id(string Given, uint Number)
    {
        public override string ToString() =>
            Given == Number.ToString(CultureInfo.InvariantCulture) ? Given : $"{Given} ({Number.ToString(CultureInfo.InvariantCulture)})";
    }
}
