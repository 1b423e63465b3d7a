using System.Diagnostics;

namespace Cairn.Server.Tests;

/// <summary>A server with the Pulzar API on a TCP listener of its own, and an extensions directory holding the shipped
/// example plus test extensions that hang, print non-JSON, fail, and the .NET example assembly. The extensions directory
/// is beside the data directory, not in it: the extensions run as nobody (the tests run as root), who cannot enter the
/// data directory.</summary>
public sealed class VolumeServerFixture : ServerFixture, IAsyncLifetime
{
    public VolumeServerFixture()
    {
        ProgramDirectories.Create(ExtensionsDir);
        Script("hang", "#!/bin/sh\nsleep 600\n");
        Script("notjson", "#!/bin/sh\necho 'this is not json'\n");
        Script("fails", "#!/bin/sh\necho 'disk on fire' >&2\nexit 3\n");
        Script("argv", "#!/bin/sh\nprintf '{\"n\": %d}' \"$#\"\n");
        File.Copy(Path.Combine(RepoRoot, "extensions", "example"), Path.Combine(ExtensionsDir, "example"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Cairn.Extensions.Example.dll"), Path.Combine(ExtensionsDir, "wordcount.dll"));
        Settings["Pulzar:Listen:0"] = "http://127.0.0.1:0";
        Settings["Extensions:Directory"] = ExtensionsDir;
        Settings["Extensions:TimeoutSeconds"] = "2";

        // Extensions get a clean environment: the marker by which the hang test finds their processes is passed on.
        Settings["Extensions:Environment:CAIRN_PIDFILE_DIR"] = ExtensionsDir;
    }

    public string ExtensionsDir => DataDir + "-ext";

    public string VolumeDir => Path.Combine(DataDir, "volumes");

    /// <summary>The Pulzar listener, <c>http://127.0.0.1:PORT</c>.</summary>
    public string PulzarEndpoint => Server.CompatAddresses("pulzar").Single();

    public HttpClient PulzarHttp() => new() { BaseAddress = new Uri(PulzarEndpoint) };

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Cairn.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root.");
        }
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        ProgramDirectories.Delete(ExtensionsDir);
    }

    private void Script(string name, string text) => ProgramDirectories.Executable(Path.Combine(ExtensionsDir, name), text);
}

/// <summary>Runs the real <c>curl</c>, as the seed's users do.</summary>
internal static class Curl
{
    public static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => TestProcesses.RunAsync("curl", args);
}
