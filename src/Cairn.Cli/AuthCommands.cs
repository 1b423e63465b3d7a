using System.CommandLine;
using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary><c>cairn auth enable|disable|status</c>, as etcdctl's <c>auth</c>.</summary>
internal static class AuthCommands
{
    public static Command Create(CliContext context) => new("auth", "Turn authentication on or off for the cluster, or show it and who you are.")
    {
        Switch(context, "enable", "Turn authentication on: from then on every request needs a credential (needs user root with role root).", enable: true),
        Switch(context, "disable", "Turn authentication off: every caller may do everything again (users and roles are kept).", enable: false),
        Status(context),
    };

    private static Command Switch(CliContext context, string name, string description, bool enable)
    {
        var command = new Command(name, description);
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var status = enable ? await client.EnableAuthAsync(ct).ConfigureAwait(false) : await client.DisableAuthAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(status).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync(status.Enabled ? "authentication enabled" : "authentication disabled").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Status(CliContext context)
    {
        var command = new Command("status", "Show whether authentication is on, and who the server takes you for.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var status = await client.AuthStatusAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(status).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"],
            [
                ["enabled", status.Enabled ? "true" : "false"],
                ["user", status.User],
                ["via", status.Via],
                ["roles", string.Join(',', status.Roles)],
                ["revision", KvCommands.Num(status.Revision)],
            ]).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>A time for people: UTC, to the second.</summary>
    public static string When(DateTimeOffset? at) =>
        at is { } time ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "never";

    /// <summary>One permission on one line: <c>kv read,write /app/ (prefix)</c>.</summary>
    public static string Describe(PermissionDto permission)
    {
        var actions = string.Join(',', permission.Actions);
        if (AuthResources.Unnamed.Contains(permission.Resource))
        {
            return $"{permission.Resource} {actions}";
        }

        var key = permission.Key.Length == 0 ? "\"\"" : permission.Key;
        return permission switch
        {
            { RangeEnd: { } end } => $"{permission.Resource} {actions} [{key}, {end})",
            { Prefix: true } => $"{permission.Resource} {actions} {key} (prefix)",
            _ => $"{permission.Resource} {actions} {key}",
        };
    }
}
