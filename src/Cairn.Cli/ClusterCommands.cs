using System.CommandLine;
using System.Globalization;

namespace Cairn.Cli;

/// <summary><c>cairn cluster nodes</c>.</summary>
internal static class ClusterCommands
{
    public static Command Create(CliContext context)
    {
        var nodes = new Command("nodes", "List the live nodes of the cluster and which one leads.");
        context.SetClientAction(nodes, async (parse, client, ct) =>
        {
            var list = await client.ClusterNodesAsync(ct).ConfigureAwait(false);
            if (context.WantsJson(parse))
            {
                await context.WriteJsonAsync(list).ConfigureAwait(false);
                return 0;
            }

            await Text.WriteTableAsync(context.Out, ["NODE", "LEADER", "ADDRESSES", "STARTED", "VERSION"],
                list.Nodes.Select(n => new[]
                {
                    n.NodeId,
                    n.Leader ? "*" : "",
                    string.Join(",", n.Addresses),
                    n.StartedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    n.Version,
                }).ToList()).ConfigureAwait(false);
            return 0;
        });
        return new Command("cluster", "The nodes that serve one shared store.") { nodes };
    }
}
