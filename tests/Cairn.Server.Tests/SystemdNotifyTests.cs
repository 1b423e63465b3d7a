using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Cairn.Server.Tests;

/// <summary>deploy/cairn.service is Type=notify: systemd counts the unit started when the server says READY=1 on
/// $NOTIFY_SOCKET, so the server must say it, and only once it answers.</summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task Serve_SendsReadyToTheNotifySocket_OnceItAnswers_WhenSystemdStartedIt()
    {
        var dir = Directory.CreateTempSubdirectory("cairn-notify-");
        try
        {
            var notifyPath = Path.Combine(dir.FullName, "notify.sock");
            using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            notify.Bind(new UnixDomainSocketEndPoint(notifyPath));

            // .NET speaks to NOTIFY_SOCKET only when its parent process is named systemd (SystemdHelpers.IsSystemdService),
            // as under a real service manager: a shell started through a link of that name is the parent here. The shell
            // runs cairn and then `exit`, so it forks rather than execs and stays the parent.
            var systemd = Path.Combine(dir.FullName, "systemd");
            File.CreateSymbolicLink(systemd, "/bin/sh");
            var socket = Path.Combine(dir.FullName, "cairn.sock");
            var info = new ProcessStartInfo(systemd)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "-c", "\"$@\"; exit $?", "systemd",
                "dotnet", Path.Combine(AppContext.BaseDirectory, "cairn.dll"), "serve",
                "--data-dir", Path.Combine(dir.FullName, "data"), "--listen", "unix:" + socket,
            })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["NOTIFY_SOCKET"] = notifyPath;
            info.Environment["CAIRN_LOGGING__LOGLEVEL__DEFAULT"] = "Warning";
            var output = new ConcurrentQueue<string>();
            using var process = Process.Start(info)!;
            process.OutputDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
            process.ErrorDataReceived += (_, line) => output.Enqueue(line.Data ?? "");
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            string Output() => string.Join(Environment.NewLine, output);
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                var exited = process.WaitForExitAsync(deadline.Token);
                var received = new StringBuilder();
                var buffer = new byte[4096];
                while (!received.ToString().Split('\n').Contains("READY=1"))
                {
                    var datagram = notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).AsTask();
                    var first = await Task.WhenAny(datagram, exited);
                    if (first == exited || deadline.IsCancellationRequested)
                    {
                        Assert.Fail($"no READY=1 on NOTIFY_SOCKET within 60 s (exited: {process.HasExited}; received: '{received}'); cairn serve's output:{Environment.NewLine}{Output()}");
                    }

                    received.Append(Encoding.UTF8.GetString(buffer, 0, await datagram)).Append('\n');
                }

                // What a unit ordered after cairn.service relies on: by READY=1 the server answers.
                using var http = ServerFixture.UnixHttpClient(socket);
                var health = await http.GetAsync("/healthz");
                Assert.True(health.IsSuccessStatusCode, $"/healthz answered {(int)health.StatusCode} after READY=1; output:{Environment.NewLine}{Output()}");
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
