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
        var command = new Command("serve", "Start the Cairn server on the embedded store.") { dataDir, listen, durability, config };
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
