using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cairn.Core;
using Cairn.Core.Concurrency;
using Cairn.Processes;

namespace Cairn.Extensions;

/// <summary>Settings of the extension runner.</summary>
public sealed record ExtensionOptions
{
    /// <summary>Where extensions are looked up; a missing directory just means there are none.</summary>
    public required string Directory { get; init; }

    /// <summary>How long a run may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most bytes an executable may print.</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>Most runs at once (processes and in-process extensions alike). Default: the number of processors, at least 2.</summary>
    public int MaxConcurrent { get; init; } = WorkGateOptions.DefaultMaxConcurrent;

    /// <summary>Most calls waiting for a turn; the next is refused at once (503). Default 100.</summary>
    public int MaxQueued { get; init; } = 100;

    /// <summary>Longest wait for a turn before a call is refused (503). Default 30 s.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How executables run: as which user, within which limits (<see cref="ProcessSandbox.Create"/>). Default
    /// <see cref="ProcessSandbox.None"/>, as the caller with its environment; the server gives one made from its
    /// <c>Extensions</c> settings. In-process (.NET) extensions run inside the server and are not sandboxed.</summary>
    public ProcessSandbox Sandbox { get; init; } = ProcessSandbox.None;
}

/// <summary>
/// Finds an extension by name and runs it with a timeout. A name is 1–64 of <c>[A-Za-z0-9_-]</c>, starting with a
/// letter or digit, checked before any file is looked at, so no request reaches a path outside the directory. Lookup
/// order: a built-in registered in code; <c>DIR/&lt;name&gt;.dll</c> or <c>DIR/&lt;name&gt;/&lt;name&gt;.dll</c> (a .NET
/// assembly, see <see cref="ICairnExtension"/>); <c>DIR/&lt;name&gt;</c> with the executable bit (any program: it gets
/// the arguments as its argv — no shell is involved — the query as <c>CAIRN_QUERY</c> (a JSON object) in an otherwise
/// clean environment, no stdin, and must print one JSON value on stdout and exit 0; it runs as the
/// <see cref="ExtensionOptions.Sandbox"/>'s user within its limits).
/// </summary>
/// <remarks>At most <see cref="ExtensionOptions.MaxConcurrent"/> runs at once; further calls wait their turn in a queue of
/// <see cref="ExtensionOptions.MaxQueued"/> (first come, first served; a cancelled call leaves it), and a call that finds
/// the queue full or waits longer than <see cref="ExtensionOptions.QueueTimeout"/> is refused with <c>unavailable</c>
/// (503, with a retry hint). Failures are exceptions with codes: unknown name → <c>not_found</c> (404), bad name → <c>invalid_argument</c>
/// (400), exit status ≠ 0, output that is not JSON or is too long, or an extension that throws → <c>extension_failed</c>
/// (502), too slow → <c>extension_timeout</c> (504; an executable is killed with its whole process tree; an in-process
/// extension cannot be killed, it is abandoned and its token cancelled).</remarks>
public sealed partial class ExtensionRunner : IDisposable
{
    private readonly ExtensionOptions _options;
    private readonly WorkGate _gate;
    private readonly ConcurrentDictionary<string, ICairnExtension> _builtIns = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Path, DateTime Written), ICairnExtension> _loaded = new();

    /// <summary>A runner over <see cref="ExtensionOptions.Directory"/>; <paramref name="time"/> times the wait for a
    /// turn (default: the system clock).</summary>
    public ExtensionRunner(ExtensionOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options with { Directory = Path.GetFullPath(options.Directory) };
        _gate = new WorkGate(
            new WorkGateOptions
            {
                Name = "extension",
                MaxConcurrent = options.MaxConcurrent,
                MaxQueued = options.MaxQueued,
                QueueTimeout = options.QueueTimeout,
                SettingsSection = "Extensions",
                Instruments = ExtensionMetrics.Gate,
            },
            time);
    }

    /// <summary>Runs going on now.</summary>
    public int Running => _gate.Running;

    /// <summary>Calls waiting for a turn now.</summary>
    public int Queued => _gate.Queued;

    /// <summary>The directory extensions are looked up in.</summary>
    public string Directory => _options.Directory;

    /// <summary>Registers an extension implemented in the server itself (it wins over files of the same name).</summary>
    public void RegisterBuiltIn(string name, ICairnExtension extension)
    {
        ValidateName(name);
        _builtIns[name] = extension;
    }

    /// <summary>Throws <see cref="InvalidArgumentException"/> unless <paramref name="name"/> is a usable extension name.</summary>
    public static void ValidateName(string? name)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new InvalidArgumentException($"An extension name is 1-64 letters, digits, '-' or '_', starting with a letter or digit; got '{name}'.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    /// <summary>Runs extension <paramref name="name"/> and returns the JSON it answered, as UTF-8.</summary>
    public async Task<byte[]> RunAsync(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(query);
        var request = new ExtensionRequest(name, arguments, query);
        if (_builtIns.TryGetValue(name, out var builtIn))
        {
            using var permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
            return await RunInProcessAsync(builtIn, request, cancellationToken).ConfigureAwait(false);
        }

        foreach (var dll in new[] { Path.Combine(_options.Directory, name + ".dll"), Path.Combine(_options.Directory, name, name + ".dll") })
        {
            if (File.Exists(dll))
            {
                using var permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
                return await RunInProcessAsync(Load(dll, name), request, cancellationToken).ConfigureAwait(false);
            }
        }

        var executable = Path.Combine(_options.Directory, name);
        if (File.Exists(executable) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(executable) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
        {
            using var permit = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
            return await RunProcessAsync(executable, request, cancellationToken).ConfigureAwait(false);
        }

        throw new NotFoundException($"There is no extension '{name}' (looked for a built-in, {name}.dll and an executable '{name}' in {_options.Directory}).");
    }

    /// <summary>Refuses the calls still waiting for a turn, and every later one.</summary>
    public void Dispose() => _gate.Dispose();

    private async Task<byte[]> RunInProcessAsync(ICairnExtension extension, ExtensionRequest request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        Task<JsonNode?> run;
        try
        {
            run = extension.ExecuteAsync(request, timeout.Token);
        }
        catch (Exception ex) when (ex is not CairnException)
        {
            throw new ExtensionFailedException($"Extension '{request.Name}' failed: {ex.GetType().Name}: {ex.Message}");
        }

        try
        {
            var node = await run.WaitAsync(timeout.Token).ConfigureAwait(false);
            return Encoding.UTF8.GetBytes(node?.ToJsonString() ?? "null");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExtensionTimeoutException($"Extension '{request.Name}' did not finish within {_options.Timeout.TotalSeconds:0.###} s.");
        }
        catch (Exception ex) when (ex is not CairnException and not OperationCanceledException)
        {
            throw new ExtensionFailedException($"Extension '{request.Name}' failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private ICairnExtension Load(string path, string name)
    {
        var key = (path, File.GetLastWriteTimeUtc(path));
        return _loaded.GetOrAdd(key, k =>
        {
            try
            {
                var context = new ExtensionLoadContext(k.Path);
                var assembly = context.LoadFromAssemblyPath(k.Path);
                var types = assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICairnExtension).IsAssignableFrom(t)).ToList();
                if (types.Count != 1)
                {
                    throw new ExtensionFailedException($"Extension '{name}' ({k.Path}) must have exactly one public class implementing ICairnExtension; it has {types.Count}.");
                }

                return (ICairnExtension)Activator.CreateInstance(types[0])!;
            }
            catch (Exception ex) when (ex is BadImageFormatException or FileLoadException or ReflectionTypeLoadException or MissingMethodException or TargetInvocationException or TypeLoadException)
            {
                throw new ExtensionFailedException($"Extension '{name}' could not be loaded from {k.Path}: {ex.Message}");
            }
        });
    }

    private async Task<byte[]> RunProcessAsync(string executable, ExtensionRequest request, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _options.Directory,
        };
        _options.Sandbox.Prepare(info, executable, request.Arguments, new ProcessRun { Timeout = _options.Timeout });
        info.Environment["CAIRN_QUERY"] = JsonSerializer.Serialize(request.Query);
        info.Environment["CAIRN_EXTENSION"] = request.Name;
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new ExtensionFailedException($"Extension '{request.Name}' could not be started: {ex.Message}");
        }

        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var stdout = ReadLimitedAsync(process.StandardOutput.BaseStream, _options.MaxOutputBytes, timeout.Token);
        var stderr = ReadLimitedAsync(process.StandardError.BaseStream, 64 * 1024, timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var output = await stdout.ConfigureAwait(false);
            var errors = await stderr.ConfigureAwait(false);
            if (output.Overflowed)
            {
                throw new ExtensionFailedException($"Extension '{request.Name}' printed more than {_options.MaxOutputBytes} bytes (Extensions:MaxOutputBytes).");
            }

            if (process.ExitCode != 0)
            {
                var limit = _options.Sandbox.DescribeExit(process.ExitCode) is { } reason ? $" ({reason})" : "";
                throw new ExtensionFailedException($"Extension '{request.Name}' exited with status {process.ExitCode}{limit}{Tail(errors.Bytes)}.");
            }

            try
            {
                using var parsed = JsonDocument.Parse(output.Bytes);
                return output.Bytes;
            }
            catch (JsonException)
            {
                throw new ExtensionFailedException($"Extension '{request.Name}' did not print JSON{Tail(output.Bytes, "its output")}.");
            }
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new ExtensionTimeoutException($"Extension '{request.Name}' did not finish within {_options.Timeout.TotalSeconds:0.###} s and was stopped.");
        }
        catch (ExtensionFailedException)
        {
            Kill(process);
            throw;
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Tail(byte[] bytes, string what = "its error output")
    {
        if (bytes.Length == 0)
        {
            return "";
        }

        var text = Encoding.UTF8.GetString(bytes.AsSpan(Math.Max(0, bytes.Length - 500))).Trim();
        return text.Length == 0 ? "" : $"; {what} ends: {text}";
    }

    private sealed record Output(byte[] Bytes, bool Overflowed);

    private static async Task<Output> ReadLimitedAsync(Stream stream, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        var overflowed = false;
        int n;
        while ((n = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                overflowed = true;
                continue;
            }

            buffer.Write(chunk, 0, n);
        }

        return new Output(buffer.ToArray(), overflowed);
    }

    /// <summary>Loads an extension and its private dependencies from its folder; Cairn's own assemblies (the interface)
    /// come from the host, so the extension's <see cref="ICairnExtension"/> is the host's.</summary>
    private sealed class ExtensionLoadContext(string path) : AssemblyLoadContext("cairn-extension:" + path, isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is "Cairn.Extensions" or "Cairn.Core")
            {
                return null;
            }

            return _resolver.ResolveAssemblyToPath(assemblyName) is { } file ? LoadFromAssemblyPath(file) : null;
        }
    }
}
