using System.CommandLine;
using Cairn.Client;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary>
/// <c>cairn login [USER]</c> and <c>cairn logout</c>: a login token kept in the token file (mode 0600, with the endpoint
/// it is for), which later commands to the same endpoint send without being told.
/// </summary>
internal static class LoginCommands
{
    public static Command Login(CliContext context)
    {
        var user = new Argument<string?>("USER") { Description = "The user (default: the one --user names).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("login", "Log in: exchange a password (asked on the terminal, or one line of standard input) for a token kept in the token file.") { user };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var given = context.UserOf(parse);
            var name = parse.GetValue(user) ?? given?.User
                ?? throw new ArgumentException("Name the user: cairn login USER.");
            var password = given is { Password: { } p } && given.Value.User == name
                ? p
                : await context.ReadPasswordAsync(name, ct).ConfigureAwait(false);
            var result = await client.LoginAsync(name, password, ct).ConfigureAwait(false);
            var file = context.TokenFileOf(parse);
            CairnTokenFile.Write(file, new CairnStoredToken(client.Endpoint, result.User.Length > 0 ? result.User : name, result.Token, result.Id, result.ExpiresAt));
            if (context.WantsJson(parse))
            {
                // Never the token itself: it is in the file.
                await context.WriteJsonAsync(new { user = result.User, id = result.Id, expiresAt = result.ExpiresAt, endpoint = client.Endpoint, tokenFile = file }).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"logged in as {name} at {client.Endpoint} until {AuthCommands.When(result.ExpiresAt)}; token saved in {file}").ConfigureAwait(false);
            }

            return 0;
        }, withCredentials: false);
        return command;
    }

    public static Command Logout(CliContext context)
    {
        var command = new Command("logout", "Log out: end the login session in the token file and remove the file.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var file = context.TokenFileOf(parse);
            var stored = CairnTokenFile.Read(file);
            if (stored is null || !stored.IsFor(client.Endpoint))
            {
                await context.Out.WriteLineAsync($"not logged in to {client.Endpoint} (no token for it in {file})").ConfigureAwait(false);
                return 0;
            }

            var options = context.ClientOptions(parse, withCredentials: false);
            options.Token = stored.Token;
            using (var session = new CairnClient(options))
            {
                try
                {
                    await session.LogoutAsync(ct).ConfigureAwait(false);
                }
                catch (UnauthenticatedException)
                {
                    // Expired or ended already: the file is stale either way.
                }
            }

            CairnTokenFile.Delete(file);
            await context.Out.WriteLineAsync($"logged out of {client.Endpoint} ({stored.User})").ConfigureAwait(false);
            return 0;
        }, withCredentials: false);
        return command;
    }
}
