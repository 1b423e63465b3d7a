using System.CommandLine;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn token add|ls|rm</c>: API tokens for services (Consul's ACL tokens, in spirit).</summary>
internal static class TokenCommands
{
    public static Command Create(CliContext context) => new("token", "Make, list and revoke API tokens (for services; see also cairn login).")
    {
        Add(context),
        List(context),
        Remove(context),
    };

    private static Command Add(CliContext context)
    {
        var user = new Option<string>("--user") { Description = "The user the token acts as (here --user is not a login: authenticate with --token or cairn login).", Required = true };
        var name = new Option<string>("--name") { Description = "A label to tell the token apart in listings (the service's name, say).", Required = true };
        var ttl = new Option<string?>("--ttl") { Description = "How long it is valid (90d, 12h; default: no expiry, where the server allows it)." };
        var command = new Command("add", "Make an API token and print it: it is shown only this once.") { user, name, ttl };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var lifetime = parse.GetValue(ttl);
            if (lifetime is not null)
            {
                // Checked here as the server would, so a typo is one clear line before anything is sent.
                Durations.Parse(lifetime, "--ttl");
            }

            var made = await client.CreateTokenAsync(parse.GetValue(user)!, parse.GetValue(name)!, lifetime, ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(made).ConfigureAwait(false);
                return 0;
            }

            // The token alone on standard output (TOKEN=$(cairn token add …)); what it is, on standard error.
            await context.Out.WriteLineAsync(made.Token).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"token {made.Id} for {made.User}, expires {AuthCommands.When(made.ExpiresAt)}; it is shown only now").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var user = new Option<string?>("--user") { Description = "Only this user's tokens (here --user is not a login: authenticate with --token or cairn login)." };
        var command = new Command("ls", "List API tokens and login sessions (never the tokens themselves).") { user };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var tokens = await client.ListTokensAsync(parse.GetValue(user), ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new TokenListDto { Tokens = [.. tokens] }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["ID", "KIND", "USER", "NAME", "CREATED", "EXPIRES"],
                tokens.Select(t => (IReadOnlyList<string>)[t.Id, t.Kind, t.User, t.Name, AuthCommands.When(t.CreatedAt), AuthCommands.When(t.ExpiresAt)])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The token's id (from token ls)." };
        var command = new Command("rm", "Revoke an API token or login session: it stops working at once.") { id };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var token = parse.GetValue(id)!;
            if (!await client.RevokeTokenAsync(token, ct).ConfigureAwait(false))
            {
                throw new NotFoundException($"There is no token '{token}'.");
            }

            await context.Out.WriteLineAsync($"token {token} revoked").ConfigureAwait(false);
            return 0;
        });
        return command;
    }
}
