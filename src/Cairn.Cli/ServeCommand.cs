using System.CommandLine;
using Cairn.Server;

namespace Cairn.Cli;

/// <summary><c>cairn serve</c>: runs the server in the foreground until SIGINT/SIGTERM.</summary>
/// <remarks>The global TLS options mean for the server what etcd's server flags do: <c>--cert</c>/<c>--key</c> are its
/// certificate for https listeners (<c>Tls:CertFile</c>, <c>Tls:KeyFile</c>), <c>--cacert</c> the CA of the client
/// certificates it accepts (<c>Tls:ClientCaFile</c>). Only values typed on the command line are taken: the client's
/// <c>$CAIRN_CERT</c>/<c>$CAIRN_KEY</c>/<c>$CAIRN_CACERT</c> are not the server's (its own are <c>CAIRN_TLS__*</c>).</remarks>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the embedded store and the default Unix socket (default ./data)." };
        var listen = new Option<string[]>("--listen")
        {
            Description = "A listener, http://HOST:PORT or unix:PATH[?mode=0660&owner=USER&group=GROUP] (a socket is 0700 unless mode is given); repeat for several (default http://127.0.0.1:7070 and unix:DATADIR/cairn.sock).",
            AllowMultipleArgumentsPerToken = false,
        };
        var durability = new Option<string?>("--durability") { Description = "full (fsync every commit, default) or none (survives a crash of the process, not of the machine)." };
        var config = new Option<string?>("--config") { Description = "An appsettings.json-style file to read settings from." };
        var backend = new Option<string?>("--backend") { Description = "The store: sqlite (embedded, default), log (embedded: in memory over an append-only log), etcd or zookeeper." };
        var etcdEndpoints = new Option<string?>("--etcd-endpoints") { Description = "etcd client URLs, comma-separated (http://127.0.0.1:2379,…)." };
        var etcdUsername = new Option<string?>("--etcd-username") { Description = "etcd user name, when etcd has authentication on." };
        var etcdPassword = new Option<string?>("--etcd-password") { Description = "Password of --etcd-username (or CAIRN_ETCD__PASSWORD)." };
        var etcdCaFile = new Option<string?>("--etcd-ca-file") { Description = "PEM file of the CA of etcd's certificate, for https:// endpoints." };
        var zkConnect = new Option<string?>("--zk-connect") { Description = "The ZooKeeper ensemble, HOST:2181[,HOST:2181…][/chroot] (with --backend zookeeper)." };
        var zkDigest = new Option<string?>("--zk-digest") { Description = "ZooKeeper digest credentials USER:PASSWORD (or CAIRN_ZOOKEEPER__DIGEST); the keyspace's znodes are then that user's alone." };
        var zkRoot = new Option<string?>("--zk-root") { Description = "The znode the keyspace lives under (default /cairn)." };
        var etcdPasswordFile = new Option<string?>("--etcd-password-file") { Description = "A file holding the password of --etcd-username (instead of --etcd-password)." };
        var etcdCertFile = new Option<string?>("--etcd-cert-file") { Description = "PEM file of the client certificate shown to etcd (for etcd's --client-cert-auth); may hold the key too." };
        var etcdKeyFile = new Option<string?>("--etcd-key-file") { Description = "PEM file of the key of --etcd-cert-file." };
        var etcdPrefix = new Option<string?>("--etcd-prefix") { Description = "A namespace for Cairn's keys on etcd, e.g. /cairn/prod/ (default none: etcd's root); clusters sharing an etcd need different prefixes." };
        var zkDigestFile = new Option<string?>("--zk-digest-file") { Description = "A file holding the ZooKeeper digest credentials USER:PASSWORD (instead of --zk-digest)." };
        var zkCaFile = new Option<string?>("--zk-ca-file") { Description = "PEM file of the CA of the ZooKeeper servers' certificates: speak TLS to their secureClientPort." };
        var zkCertFile = new Option<string?>("--zk-cert-file") { Description = "PEM file of the client certificate shown to ZooKeeper over TLS (ssl.clientAuth=need); may hold the key too." };
        var zkKeyFile = new Option<string?>("--zk-key-file") { Description = "PEM file of the key of --zk-cert-file." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's id in the cluster (default HOSTNAME-PID-RANDOM)." };
        var journalListen = new Option<string[]>("--journal-listen")
        {
            Description = "A listener that serves the seed-compatible journal API at its root (e.g. unix:/tmp/journal.sock, a socket every user may connect to: mode 0666 unless ?mode=…&owner=…&group=… says otherwise); repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var journalConfig = new Option<string?>("--journal-config") { Description = "The seed's journal YAML config file (journal: primary/secondary); its secondary is used." };
        var journalSecondary = new Option<string?>("--journal-secondary") { Description = "The journal's secondary directory (default DATADIR/journal-secondary; \"\" disables it)." };
        var journalExportDir = new Option<string?>("--journal-export-dir") { Description = "Where journal history is exported (default DATADIR/journal-export; \"\" disables export)." };
        var pulzarListen = new Option<string[]>("--pulzar-listen")
        {
            Description = "A listener that serves the seed-compatible Pulzar API at its root (e.g. http://0.0.0.0:9000); repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var runsListen = new Option<string[]>("--runs-listen")
        {
            Description = "A listener that serves zookeeper-exp1's runs API (and its WebSocket pushes) at its root (e.g. http://0.0.0.0:30001, the seed's port); repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var cartsListen = new Option<string[]>("--carts-listen")
        {
            Description = "A listener that serves pacifica-cartd's API at its root (e.g. http://0.0.0.0:8081, the seed's port); repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var etcdListen = new Option<string[]>("--etcd-listen")
        {
            Description = "A listener that serves etcd's v3 gRPC API, for etcdctl and etcd's client libraries: http://HOST:PORT (HTTP/2 cleartext, e.g. http://127.0.0.1:2379), https://HOST:PORT or unix:PATH; repeat for several (default none: the API is off).",
            AllowMultipleArgumentsPerToken = false,
        };
        var volumeDir = new Option<string[]>("--volume-dir")
        {
            Description = "A volume directory for blob bodies (default DATADIR/volumes); repeat for several.",
            AllowMultipleArgumentsPerToken = false,
        };
        var extensionsDir = new Option<string?>("--extensions-dir") { Description = "Where extensions are looked up (default ./extensions)." };
        var command = new Command("serve", "Start the Cairn server on the embedded store, or as one node of a cluster on etcd or ZooKeeper.")
        {
            dataDir, listen, durability, config, backend, etcdEndpoints, etcdUsername, etcdPassword, etcdCaFile, zkConnect, zkDigest, zkRoot, nodeId,
            journalListen, journalConfig, journalSecondary, journalExportDir, pulzarListen, runsListen, cartsListen, volumeDir, extensionsDir,
        };
        command.Options.Add(etcdListen);
        command.Options.Add(etcdPrefix);
        foreach (var backendSecurity in new[] { etcdPasswordFile, etcdCertFile, etcdKeyFile, zkDigestFile, zkCaFile, zkCertFile, zkKeyFile })
        {
            command.Options.Add(backendSecurity);
        }

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

            var journalListeners = parse.GetValue(journalListen) ?? [];
            for (var i = 0; i < journalListeners.Length; i++)
            {
                overrides[$"Journal:Listen:{i}"] = journalListeners[i];
            }

            var pulzarListeners = parse.GetValue(pulzarListen) ?? [];
            for (var i = 0; i < pulzarListeners.Length; i++)
            {
                overrides[$"Pulzar:Listen:{i}"] = pulzarListeners[i];
            }

            var runsListeners = parse.GetValue(runsListen) ?? [];
            for (var i = 0; i < runsListeners.Length; i++)
            {
                overrides[$"Runs:Listen:{i}"] = runsListeners[i];
            }

            var cartsListeners = parse.GetValue(cartsListen) ?? [];
            for (var i = 0; i < cartsListeners.Length; i++)
            {
                overrides[$"Carts:Listen:{i}"] = cartsListeners[i];
            }

            var etcdListeners = parse.GetValue(etcdListen) ?? [];
            for (var i = 0; i < etcdListeners.Length; i++)
            {
                overrides[$"EtcdApi:Listen:{i}"] = etcdListeners[i];
            }

            var volumeDirs = parse.GetValue(volumeDir) ?? [];
            for (var i = 0; i < volumeDirs.Length; i++)
            {
                overrides[$"Volumes:Directories:{i}"] = volumeDirs[i];
            }

            if (parse.GetValue(durability) is { } d)
            {
                overrides["Durability"] = d;
            }

            foreach (var (option, setting) in new[]
            {
                (backend, "Backend"), (etcdEndpoints, "Etcd:Endpoints"), (etcdUsername, "Etcd:Username"),
                (etcdPassword, "Etcd:Password"), (etcdCaFile, "Etcd:CaFile"), (zkConnect, "ZooKeeper:Connect"),
                (zkDigest, "ZooKeeper:Digest"), (zkRoot, "ZooKeeper:Root"), (nodeId, "NodeId"),
                (journalConfig, "Journal:Config"), (journalSecondary, "Journal:Secondary"), (journalExportDir, "Journal:ExportDir"),
                (extensionsDir, "Extensions:Directory"),
                (etcdPasswordFile, "Etcd:PasswordFile"), (etcdCertFile, "Etcd:CertFile"), (etcdKeyFile, "Etcd:KeyFile"), (etcdPrefix, "Etcd:Prefix"),
                (zkDigestFile, "ZooKeeper:DigestFile"), (zkCaFile, "ZooKeeper:CaFile"), (zkCertFile, "ZooKeeper:CertFile"), (zkKeyFile, "ZooKeeper:KeyFile"),
            })
            {
                if (parse.GetValue(option) is { } value)
                {
                    overrides[setting] = value;
                }
            }

            foreach (var (option, setting) in new[] { (context.Cert, "Tls:CertFile"), (context.Key, "Tls:KeyFile"), (context.CaCert, "Tls:ClientCaFile") })
            {
                if (parse.GetValue(option) is { Length: > 0 } path)
                {
                    overrides[setting] = Path.GetFullPath(path);
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
                // One line: a script or a unit file's log shows what to fix, with no stack trace (the message says it all).
                await Console.Error.WriteLineAsync("cairn: " + ex.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }
}
