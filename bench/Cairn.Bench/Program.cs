using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Cairn.Bench;

// cairn-bench: a closed-loop load generator for Cairn (and later etcd and ZooKeeper, behind IBenchTarget).
// bench/run.sh is the one-command front end: it starts a fresh server, runs the matrix and writes docs/benchmarks.md.
try
{
    return args.FirstOrDefault() switch
    {
        "run" => await RunAsync(Options.Parse(args[1..])).ConfigureAwait(false),
        "watch" => await WatchAsync(WatchOptions.Parse(args[1..])).ConfigureAwait(false),
        "report" => await Report.WriteAsync(args[1..]).ConfigureAwait(false),
        "free-port" => FreePort(),
        "chaos-writer" => await ChaosWriter.RunAsync(ChaosOptions.Parse(args[1..]), Interruptible()).ConfigureAwait(false),
        "chaos-verify" => await ChaosVerifier.RunAsync(ChaosOptions.Parse(args[1..]), CancellationToken.None).ConfigureAwait(false),
        "idle-connections" => await IdleConnections.RunAsync(args[1..], Interruptible()).ConfigureAwait(false),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("cairn-bench: " + ex.Message).ConfigureAwait(false);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine(Options.Usage);
    Console.Error.WriteLine(WatchOptions.Usage);
    Console.Error.WriteLine(ChaosOptions.Usage);
    Console.Error.WriteLine(IdleConnections.Usage);
    return 2;
}

// A token that Ctrl-C cancels, so the reliability drivers stop cleanly (their logs complete) when interrupted.
static CancellationToken Interruptible()
{
    var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };
    return cts.Token;
}

static async Task<int> WatchAsync(WatchOptions o)
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };

    try
    {
        return await WatchBench.RunAsync(o, cts.Token).ConfigureAwait(false);
    }
    catch (Exception ex) when (ex is HttpRequestException or WebSocketException or TimeoutException)
    {
        await Console.Error.WriteLineAsync("cairn-bench: watch: " + ex.Message).ConfigureAwait(false);
        return 1;
    }
}

// Binds port 0 on loopback and prints the port the kernel picked (run.sh hands it to `cairn serve`).
static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture));
    listener.Stop();
    return 0;
}

static async Task<int> RunAsync(Options o)
{
    using var cts = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cts.Cancel();
    };

    IBenchTarget CreateTarget(Transport transport, int connections) => (o.Target, transport) switch
    {
        ("cairn" or "cairn-etcd" or "cairn-zk" or "nginx", Transport.Tcp or Transport.Unix) =>
            CairnHttpTarget.Create(transport, transport == Transport.Tcp ? o.TcpUrl! : o.UnixSocket!, connections, o.Keys, name: o.Target),
        // Cairn's etcd API is measured with exactly the driver of etcd's gRPC cells.
        ("cairn" or "cairn-etcd" or "cairn-zk", Transport.Grpc) => new EtcdGrpcTarget(o.GrpcUrl!, o.Keys, name: o.Target),
        ("cairn" or "cairn-etcd" or "cairn-zk", Transport.GrpcUnix) => new EtcdGrpcTarget("unix:" + o.GrpcSocket!, o.Keys, name: o.Target),
        ("etcd", Transport.Grpc) => new EtcdGrpcTarget(o.EtcdUrl!, o.Keys),
        ("etcd", Transport.Json) => new EtcdJsonTarget(o.EtcdUrl!, connections, o.Keys),
        _ => throw new ArgumentException($"Target '{o.Target}' has no transport '{transport.Name()}' (cairn, cairn-etcd, cairn-zk: tcp, unix, grpc, grpc-unix; nginx: tcp, unix; etcd: grpc, json)."),
    };

    if (!o.SkipPreload && o.Workloads.Any(w => w is Workload.BlobPut or Workload.BlobGet))
    {
        var started = DateTime.UtcNow;
        await using var loader = CreateTarget(o.Transports[0], 8);
        var value = new byte[o.ValueSize];
        new Random(7).NextBytes(value);
        await Parallel.ForAsync(0, o.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cts.Token }, async (i, ct) => await loader.BlobPutAsync(i, value, ct).ConfigureAwait(false)).ConfigureAwait(false);
        Console.WriteLine($"preloaded {o.Keys} blobs of {o.ValueSize} bytes in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }
    else if (!o.SkipPreload && o.Target != "nginx" && o.Workloads.Any(w => w is not (Workload.Journal or Workload.Watch)))
    {
        var started = DateTime.UtcNow;
        await using var loader = CreateTarget(o.Transports[0], 64);
        try
        {
            await Runner.PreloadAsync(loader, o.Keys, o.ValueSize, 64, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or Grpc.Core.RpcException)
        {
            await Console.Error.WriteLineAsync("cairn-bench: preloading the keys failed: " + ex.Message).ConfigureAwait(false);
            return 1;
        }

        Console.WriteLine($"preloaded {o.Keys} keys of {o.ValueSize} bytes in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
    }

    var directory = Path.GetDirectoryName(Path.GetFullPath(o.Output));
    if (directory is not null)
    {
        Directory.CreateDirectory(directory);
    }

    var jsonOptions = Report.JsonOptions;
    var results = new List<CellResult>();
    Console.WriteLine(Table.Header);
    foreach (var workload in o.Workloads)
    {
        foreach (var transport in o.Transports)
        {
            var transportName = transport.Name();
            if (workload == Workload.Watch && transport == Transport.Json)
            {
                // etcd's JSON gateway streams watches too, but its native watch is the gRPC stream; that is what is timed.
                continue;
            }
            foreach (var clients in workload == Workload.Watch ? [1] : o.Clients)
            {
                // One connection pool per (workload, transport, clients): the repetitions share it and its warm-up.
                await using var target = CreateTarget(transport, clients);
                var state = new Runner.ClientState(clients);
                if (workload == Workload.Cas)
                {
                    for (var c = 0; c < clients; c++)
                    {
                        state.CasVersions[c] = await target.VersionAsync(c, cts.Token).ConfigureAwait(false);
                    }
                }

                for (var rep = 1; rep <= o.Reps; rep++)
                {
                    var result = workload == Workload.Watch
                        ? await Runner.RunWatchAsync(target, transportName, o.WatchIterations, o.ValueSize, o.ServerPids, cts.Token).ConfigureAwait(false)
                        : await Runner.RunCellAsync(target, transportName, workload, clients, o.Keys, o.ValueSize, rep == 1 ? o.Warmup : TimeSpan.Zero, o.Duration, o.ServerPids, state, cts.Token).ConfigureAwait(false);
                    result = result with { Rep = rep, Tier = o.Tier, Pinning = o.Pinning };
                    cts.Token.ThrowIfCancellationRequested();
                    results.Add(result);
                    Console.WriteLine(Table.Row(result));
                    await File.AppendAllTextAsync(o.Output, JsonSerializer.Serialize(result, jsonOptions) + "\n", cts.Token).ConfigureAwait(false);
                    if (result.Ops == 0 || result.Errors * 100 > result.Ops)
                    {
                        // More than 1 % failed: the server is down or overloaded; later cells would only measure that.
                        await Console.Error.WriteLineAsync($"cairn-bench: stopping: {result.Errors} errors against {result.Ops} successes; first error: {result.FirstError}").ConfigureAwait(false);
                        return 1;
                    }

                    if (workload == Workload.Watch)
                    {
                        break;
                    }
                }
            }
        }
    }

    var failed = results.Where(r => r.Errors > 0 || r.Ops == 0).ToList();
    foreach (var r in failed)
    {
        await Console.Error.WriteLineAsync($"cairn-bench: {r.Workload}/{r.Transport}/{r.Clients}: {r.Errors} errors, {r.Ops} ok; first error: {r.FirstError}").ConfigureAwait(false);
    }

    return failed.Count == 0 ? 0 : 1;
}
