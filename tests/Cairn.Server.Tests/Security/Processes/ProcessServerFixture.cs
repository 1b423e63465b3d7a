using System.Globalization;

namespace Cairn.Server.Tests.Security.Processes;

/// <summary>
/// A server (run as root, as the tests are) whose extensions and jobs run as <c>nobody</c>, the default, with a secret
/// in its data directory (0700) and one in its own environment, and extensions and scripts that try to get past their
/// limits: print their uid and environment, allocate more than <c>MaxMemoryBytes</c>, spin past <c>MaxCpuSeconds</c>
/// (1 s here), read the secret, and link it into a job's output. The extensions and jobs directories are outside the
/// data directory, readable by everyone, as an operator would set them up.
/// </summary>
public class ProcessServerFixture : ServerFixture, IAsyncLifetime
{
    public const string Secret = "data-dir-secret-3b9c41";
    public const string EnvironmentSecret = "server-env-secret-77d02e";

    public ProcessServerFixture()
        : this(cpuSeconds: "1", timeout: "5m")
    {
    }

    protected ProcessServerFixture(string cpuSeconds, string timeout)
    {
        Directory.CreateDirectory(DataDir);
        File.WriteAllText(SecretFile, Secret);
        foreach (var directory in new[] { Outside, ExtensionsDir, JobsDir, Path.Combine(JobsDir, "example") })
        {
            ProgramDirectories.Create(directory);
        }

        Extension("whoami", "printf '{\"uid\": %s, \"gid\": %s, \"groups\": \"%s\"}' \"$(id -u)\" \"$(id -g)\" \"$(id -G)\"");
        Extension("environment", "exec python3 -c 'import json, os; print(json.dumps(dict(os.environ)))'");
        Extension("hog", "exec python3 -c 'x = bytearray(2 * 1024 ** 3); print(\"{}\")'");
        Extension("spin", "while :; do :; done");
        Extension("readdata", $"cat '{SecretFile}'\nls '{DataDir}'");
        Job("id.sh", "echo \"uid=$(id -u) home=$HOME\"\nenv");
        Job("hog.sh", "exec python3 -c 'x = bytearray(2 * 1024 ** 3); print(\"allocated\")'");
        Job("spin.sh", "while :; do :; done");
        Job("readdata.sh", $"cat '{SecretFile}'");
        Job("link.sh", $"ln -s '{SecretFile}' \"$CAIRN_JOB_OUTPUT/leak.txt\"");
        ProgramDirectories.Readable(Path.Combine(JobsDir, "example", "who.py"), """
            import os


            def execute(params):
                print('uid=' + str(os.getuid()))
                return True
            """);

        // The server's own environment carries a secret: the programs it starts must not see it.
        Environment.SetEnvironmentVariable("CAIRN_PROCESS_TEST_SECRET", EnvironmentSecret);

        Settings["Extensions:Directory"] = ExtensionsDir;
        Settings["Extensions:Timeout"] = timeout;
        Settings["Extensions:MaxCpuSeconds"] = cpuSeconds;
        Settings["Extensions:Environment:GREETING"] = "hello";
        Settings["Jobs:Directory"] = JobsDir;
        Settings["Jobs:Workers"] = "2";
        Settings["Jobs:MaxAttempts"] = "1";
        Settings["Jobs:MaxCpuSeconds"] = cpuSeconds;
    }

    /// <summary>A directory beside the data directory (not in it): the extensions and jobs directories.</summary>
    public string Outside => DataDir + "-programs";

    public string ExtensionsDir => Path.Combine(Outside, "extensions");

    public string JobsDir => Path.Combine(Outside, "jobs");

    public string SecretFile => Path.Combine(DataDir, "secret.txt");

    /// <summary>The uid of <c>nobody</c> on this machine.</summary>
    public static string NobodyUid => global::Cairn.Processes.ProcessSandbox.Create(new global::Cairn.Processes.ProcessLimits { RunAs = "nobody" }, "Test").UserId!.Value.ToString(CultureInfo.InvariantCulture);

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (Directory.Exists(Outside))
        {
            Directory.Delete(Outside, recursive: true);
        }
    }

    private void Extension(string name, string body) => Executable(Path.Combine(ExtensionsDir, name), body);

    private void Job(string name, string body) => Executable(Path.Combine(JobsDir, name), body);

    private static void Executable(string path, string body) => ProgramDirectories.Executable(path, "#!/bin/sh\n" + body + "\n");
}

/// <summary>A <see cref="ProcessServerFixture"/> whose extensions time out after 2 s, with no CPU limits, so that a
/// spinning program is stopped by the wall clock.</summary>
public sealed class ProcessTimeoutServerFixture() : ProcessServerFixture(cpuSeconds: "0", timeout: "2s");
