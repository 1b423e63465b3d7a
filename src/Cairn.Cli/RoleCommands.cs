using System.CommandLine;
using Cairn.Client;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Cli;

/// <summary><c>cairn role add|rm|get|ls|grant|revoke</c>, and etcdctl's <c>grant-permission</c>/<c>revoke-permission</c>.</summary>
internal static class RoleCommands
{
    public static Command Create(CliContext context) => new("role", "Add, remove and inspect roles, and grant or revoke their permissions.")
    {
        Add(context),
        Remove(context),
        Get(context),
        List(context),
        Change(context, "grant", "Grant a role ACTIONS on RESOURCE for KEY (a name; a prefix with --prefix; a key range with --range-end).", grant: true),
        Change(context, "revoke", "Take ACTIONS on RESOURCE for KEY (as granted: same KEY, --prefix or --range-end) from a role.", grant: false),
        EtcdGrant(context),
        EtcdRevoke(context),
    };

    private static Command Add(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The role's name." };
        var command = new Command("add", "Add a role (with no permissions yet: see role grant).") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var added = await client.AddRoleAsync(parse.GetValue(name)!, cancellationToken: ct).ConfigureAwait(false);
            await WriteAsync(context, parse, added, $"role {added.Name} added").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Remove(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The role." };
        var command = new Command("rm", "Remove a role (from every user that has it too).") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var role = parse.GetValue(name)!;
            if (!await client.RemoveRoleAsync(role, ct).ConfigureAwait(false))
            {
                throw new NotFoundException($"There is no role '{role}'.");
            }

            await context.Out.WriteLineAsync($"role {role} removed").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Get(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The role." };
        var command = new Command("get", "Show a role's permissions.") { name };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var role = parse.GetValue(name)!;
            var found = await client.GetRoleAsync(role, ct).ConfigureAwait(false) ?? throw new NotFoundException($"There is no role '{role}'.");
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(found).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["RESOURCE", "ACTIONS", "KEY", "MATCH"], found.Permissions.Select(Row)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command List(CliContext context)
    {
        var command = new Command("ls", "List roles.");
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var roles = await client.ListRolesAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(new RoleListDto { Roles = [.. roles] }).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["ROLE", "PERMISSIONS"],
                roles.Select(r => (IReadOnlyList<string>)[r.Name, r.Name == "root" && r.Permissions.Count == 0 ? "everything" : string.Join("; ", r.Permissions.Select(AuthCommands.Describe))])).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static Command Change(CliContext context, string name, string description, bool grant)
    {
        var role = new Argument<string>("ROLE") { Description = "The role." };
        var resource = new Argument<string>("RESOURCE") { Description = $"What the permission is on: {string.Join(", ", AuthResources.Actions.Keys)}." };
        var actions = new Argument<string>("ACTIONS") { Description = "Comma-separated actions of the resource (kv: read, write, readwrite), or * for all." };
        var key = new Argument<string?>("KEY") { Description = "The key or name (omitted for leases, admin, internal).", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Option<bool>("--prefix") { Description = "KEY is a prefix: every name that starts with it (\"\" is every name)." };
        var rangeEnd = new Option<string?>("--range-end") { Description = "kv only: the keys in [KEY, END), as etcd." };
        var command = new Command(name, description) { role, resource, actions, key, prefix, rangeEnd };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var permission = PermissionArguments.Parse(parse.GetValue(resource)!, parse.GetValue(actions)!, parse.GetValue(key), parse.GetValue(prefix), parse.GetValue(rangeEnd));
            await ApplyAsync(context, parse, client, parse.GetValue(role)!, permission, grant, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    // etcdctl role grant-permission [--prefix] ROLE read|write|readwrite KEY [RANGE_END]: kv permissions as etcd spells them.
    private static Command EtcdGrant(CliContext context)
    {
        var role = new Argument<string>("ROLE") { Description = "The role." };
        var type = new Argument<string>("PERMTYPE") { Description = "read, write or readwrite." };
        var key = new Argument<string>("KEY") { Description = "The key (or prefix with --prefix)." };
        var rangeEnd = new Argument<string?>("RANGE_END") { Description = "The end of a key range [KEY, RANGE_END).", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Option<bool>("--prefix") { Description = "KEY is a prefix." };
        var command = new Command("grant-permission", "etcdctl's form of role grant for keys: ROLE read|write|readwrite KEY [RANGE_END].") { role, type, key, rangeEnd, prefix };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var permission = PermissionArguments.Parse(AuthResources.Kv, parse.GetValue(type)!, parse.GetValue(key), parse.GetValue(prefix), parse.GetValue(rangeEnd));
            await ApplyAsync(context, parse, client, parse.GetValue(role)!, permission, grant: true, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    // etcdctl role revoke-permission [--prefix] ROLE KEY [RANGE_END]: takes read and write on that key (or prefix, range).
    private static Command EtcdRevoke(CliContext context)
    {
        var role = new Argument<string>("ROLE") { Description = "The role." };
        var key = new Argument<string>("KEY") { Description = "The key (or prefix with --prefix), as granted." };
        var rangeEnd = new Argument<string?>("RANGE_END") { Description = "The end of the key range, as granted.", Arity = ArgumentArity.ZeroOrOne };
        var prefix = new Option<bool>("--prefix") { Description = "KEY is a prefix." };
        var command = new Command("revoke-permission", "etcdctl's form of role revoke for keys: ROLE KEY [RANGE_END] (takes read and write).") { role, key, rangeEnd, prefix };
        context.SetClientAction(command, async (parse, client, ct) =>
        {
            var permission = PermissionArguments.Parse(AuthResources.Kv, "readwrite", parse.GetValue(key), parse.GetValue(prefix), parse.GetValue(rangeEnd));
            await ApplyAsync(context, parse, client, parse.GetValue(role)!, permission, grant: false, ct).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    private static async Task ApplyAsync(CliContext context, ParseResult parse, CairnClient client, string role, PermissionDto permission, bool grant, CancellationToken cancellationToken)
    {
        var changed = grant
            ? await client.GrantPermissionsAsync(role, [permission], cancellationToken).ConfigureAwait(false)
            : await client.RevokePermissionsAsync(role, [permission], cancellationToken).ConfigureAwait(false);
        var line = grant
            ? $"role {changed.Name} granted {AuthCommands.Describe(permission)}"
            : $"role {changed.Name} revoked {AuthCommands.Describe(permission)}";
        await WriteAsync(context, parse, changed, line).ConfigureAwait(false);
    }

    private static Task WriteAsync(CliContext context, ParseResult parse, RoleDto role, string line) =>
        context.WantsJson(parse) ? context.WriteJsonAsync(role) : context.Out.WriteLineAsync(line);

    private static IReadOnlyList<string> Row(PermissionDto permission)
    {
        var unnamed = AuthResources.Unnamed.Contains(permission.Resource);
        var match = unnamed ? "all" : permission switch
        {
            { RangeEnd: { } end } => $"range to {end}",
            { Prefix: true } => "prefix",
            _ => "exact",
        };
        return [permission.Resource, string.Join(',', permission.Actions), unnamed ? "" : permission.Key, match];
    }
}
