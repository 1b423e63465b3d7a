using System.CommandLine;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn user add|rm|passwd|get|ls|grant-role|revoke-role</c>, as etcdctl's <c>user</c>.</summary>
internal static class UserCommands
{
    public static Command Create(CliContext context) => new("user", "Add, remove and inspect users, set their passwords and roles.")
    {
        Add(context),
        Remove(context),
        Password(context),
        Get(context),
        List(context),
        GrantRole(context),
        RevokeRole(context),
    };

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The user's name (letters, digits, . _ @ -)." };
        var password = new Option<string?>("--password") { Description = "Its password (otherwise asked twice on the terminal, or read as one line of standard input)." };
        var noPassword = new Option<bool>("--no-password") { Description = "A user without a password (it authenticates by certificate, Unix account or API token)." };
        var command = new Command("add", "Add a user.") { name, password, noPassword };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var user = parse.GetValue(name)!;
            var secret = await NewPasswordAsync(context, parse, user, password, noPassword, ct).ConfigureAwait(false);
            var added = await client.AddUserAsync(user, secret, cancellationToken: ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(added).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"user {added.Name} added").ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The user." };
        var command = new Command("rm", "Remove a user; its tokens stop working at once.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var user = parse.GetValue(name)!;
            if (!await client.RemoveUserAsync(user, ct).ConfigureAwait(false))
            {
                throw new NotFoundException($"There is no user '{user}'.");
            }

            await context.Out.WriteLineAsync($"user {user} removed").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Password(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The user." };
        var password = new Option<string?>("--password") { Description = "The new password (otherwise asked twice on the terminal, or read as one line of standard input)." };
        var noPassword = new Option<bool>("--no-password") { Description = "Remove the password: the user can then no longer log in with one." };
        var command = new Command("passwd", "Set a user's password; its login sessions end.") { name, password, noPassword };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var user = parse.GetValue(name)!;
            var secret = await NewPasswordAsync(context, parse, user, password, noPassword, ct).ConfigureAwait(false);
            await client.SetPasswordAsync(user, secret, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(secret is null ? $"password of {user} removed" : $"password of {user} changed").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The user." };
        var command = new Command("get", "Show a user: its roles, whether it has a password, when it was made.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var user = parse.GetValue(name)!;
            var found = await client.GetUserAsync(user, ct).ConfigureAwait(false) ?? throw new NotFoundException($"There is no user '{user}'.");
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(found).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["FIELD", "VALUE"],
            [
                ["name", found.Name],
                ["roles", string.Join(',', found.Roles)],
                ["password", found.HasPassword ? "yes" : "no"],
                ["created", AuthCommands.When(found.CreatedAt)],
            ]).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", "List users.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var users = await client.ListUsersAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new UserListDto { Users = [.. users] }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["NAME", "ROLES", "PASSWORD", "CREATED"],
                users.Select(u => (IReadOnlyList<string>)[u.Name, string.Join(',', u.Roles), u.HasPassword ? "yes" : "no", AuthCommands.When(u.CreatedAt)])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command GrantRole(CliContext context)
    {
        var user = new Argument<string>("USER") { Description = "The user." };
        var role = new Argument<string>("ROLE") { Description = "The role (root grants everything)." };
        var command = new Command("grant-role", "Give a user a role.") { user, role };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var changed = await client.GrantRoleAsync(parse.GetValue(user)!, parse.GetValue(role)!, ct).ConfigureAwait(false);
            await WriteRolesAsync(context, parse, changed, $"role {parse.GetValue(role)} granted to {changed.Name}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command RevokeRole(CliContext context)
    {
        var user = new Argument<string>("USER") { Description = "The user." };
        var role = new Argument<string>("ROLE") { Description = "The role." };
        var command = new Command("revoke-role", "Take a role from a user.") { user, role };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var changed = await client.RevokeRoleAsync(parse.GetValue(user)!, parse.GetValue(role)!, ct).ConfigureAwait(false);
            await WriteRolesAsync(context, parse, changed, $"role {parse.GetValue(role)} revoked from {changed.Name}").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Task WriteRolesAsync(CliContext context, ParseResult parse, UserDto user, string line) =>
        context.WantsJson(parse) ? context.WriteJsonAsync(user) : context.Out.WriteLineAsync(line);

    // --password P, --no-password (null), or asked: twice on the terminal, else one line of standard input.
    private static async Task<string?> NewPasswordAsync(CliContext context, ParseResult parse, string user, Option<string?> password, Option<bool> noPassword, CancellationToken cancellationToken)
    {
        var given = parse.GetValue(password);
        if (parse.GetValue(noPassword))
        {
            return given is null ? null : throw new ArgumentException("Give either --password or --no-password, not both.");
        }

        if (given is not null)
        {
            return given.Length > 0 ? given : throw new ArgumentException("--password is empty (--no-password makes a user without one).");
        }

        return await context.ReadNewPasswordAsync(user, cancellationToken).ConfigureAwait(false);
    }
}
