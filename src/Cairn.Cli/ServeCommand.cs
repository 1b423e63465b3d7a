using System.CommandLine;
using Cairn.Server;

namespace Cairn.Cli;

/// <summary><c>cairn serve</c>: runs the server in the foreground until SIGINT/SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the embedded store and the default Unix socket (default ./data)." };
        var listen = new Option<string[]>("--listen")
        {
            Description = "A listener, http://HOST:PORT or unix:PATH; repeat for several (default http://127.0.0.1:7070 and unix:DATADIR/cairn.sock).",
            AllowMultipleArgumentsPerToken = false,
        };
        var durability = new Option<string?>("--durability") { Description = "full (fsync every commit, default) or none (survives a crash of the process, not of the machine)." };
        var config = new Option<string?>("--config") { Description = "An appsettings.json-style file to read settings from." };
        var backend = new Option<string?>("--backend") { Description = "The store: sqlite (embedded, default) or etcd." };
        var etcdEndpoints = new Option<string?>("--etcd-endpoints") { Description = "etcd client URLs, comma-separated (http://127.0.0.1:2379,…)." };
        var etcdUsername = new Option<string?>("--etcd-username") { Description = "etcd user name, when etcd has authentication on." };
        var etcdPassword = new Option<string?>("--etcd-password") { Description = "Password of --etcd-username (or CAIRN_ETCD__PASSWORD)." };
        var etcdCaFile = new Option<string?>("--etcd-ca-file") { Description = "PEM file of the CA of etcd's certificate, for https:// endpoints." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's id in the cluster (default HOSTNAME-PID-RANDOM)." };
        var command = new Command("serve", "Start the Cairn server on the embedded store, or as one node of a cluster on etcd.")
        {
            dataDir, listen, durability, config, backend, etcdEndpoints, etcdUsername, etcdPassword, etcdCaFile, nodeId,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(dataDir) is { } dir)
            {
                overrides["DataDir"] = dir;
            }

            var listeners = parse.GetValue(listen) ?? [];
            for (var i = 0; i < listeners.Length; i++)
            {
                overrides[$"Listen:{i}"] = listeners[i];
            }

            if (parse.GetValue(durability) is { } d)
            {
                overrides["Durability"] = d;
            }

            foreach (var (option, setting) in new[]
            {
                (backend, "Backend"), (etcdEndpoints, "Etcd:Endpoints"), (etcdUsername, "Etcd:Username"),
                (etcdPassword, "Etcd:Password"), (etcdCaFile, "Etcd:CaFile"), (nodeId, "NodeId"),
            })
            {
                if (parse.GetValue(option) is { } value)
                {
                    overrides[setting] = value;
                }
            }

            if (parse.GetValue(config) is { } file)
            {
                overrides["ConfigFile"] = file;
            }

            try
            {
                await CairnServer.RunAsync([], overrides, cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (StartupException ex)
            {
                await Console.Error.WriteLineAsync("cairn: " + ex.Message).ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
