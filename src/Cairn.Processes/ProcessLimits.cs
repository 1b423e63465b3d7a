namespace Cairn.Processes;

/// <summary>
/// How the programs a module starts (extension executables, script and seed-style jobs) are run: as which user, within
/// which resource limits and with which extra environment. The same settings in each module's section
/// (<c>Extensions:RunAs</c>, <c>Jobs:MaxMemoryBytes</c>, …); <see cref="ProcessSandbox.Create"/> checks them.
/// </summary>
public sealed record ProcessLimits
{
    /// <summary>The default of <see cref="MaxMemoryBytes"/>: 1 GiB of address space.</summary>
    public const long DefaultMaxMemoryBytes = 1L << 30;

    /// <summary>The default of <see cref="MaxOpenFiles"/>.</summary>
    public const int DefaultMaxOpenFiles = 1024;

    /// <summary>The user the programs run as (a name, or a number). Null or empty: <c>nobody</c> when the server runs as
    /// root, else the server's own user (a server that is not root cannot start a process as anyone else). Never root.</summary>
    public string? RunAs { get; init; }

    /// <summary>The most address space (virtual memory) a process may have, in bytes (<c>RLIMIT_AS</c>); an allocation
    /// past it fails. 0: no limit. Runtimes that reserve much address space up front (a JVM, .NET) need more than they use.</summary>
    public long MaxMemoryBytes { get; init; } = DefaultMaxMemoryBytes;

    /// <summary>The most files a process may have open at once (<c>RLIMIT_NOFILE</c>). 0: the server's own limit.</summary>
    public int MaxOpenFiles { get; init; } = DefaultMaxOpenFiles;

    /// <summary>The most CPU time a process may use, in seconds (<c>RLIMIT_CPU</c>: SIGXCPU, then SIGKILL a second later).
    /// Null: derived from the run's wall-clock timeout (the timeout times the number of processors, which no process can
    /// use up within it, so it only ever stops a process that outlived its run). 0: no limit.</summary>
    public long? MaxCpuSeconds { get; init; }

    /// <summary>The most processes the user may have at once (<c>RLIMIT_NPROC</c>, counted over all processes of that user
    /// on the machine, which is why it is off by default). 0: no limit.</summary>
    public int MaxProcesses { get; init; }

    /// <summary>Variables added to the programs' environment, which is otherwise a clean one (the server's own variables,
    /// and the secrets among them, are not passed on).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
