using Cairn.Processes;

namespace Cairn.Server.Hosting;

/// <summary>
/// How a module's programs run (extension executables: section <c>Extensions</c>; script and seed-style jobs: section
/// <c>Jobs</c>): the same settings in each module's section, bound from it beside the module's own. Defaults: as
/// <c>nobody</c> when the server runs as root (else as the server's user), at most 1 GiB of address space and 1024 open
/// files, CPU time bounded by the run's timeout, and a clean environment.
/// </summary>
public sealed class ProcessSettings
{
    /// <summary>The user the programs run as (<see cref="ProcessLimits.RunAs"/>).</summary>
    public string? RunAs { get; set; }

    /// <summary>Most address space per process, in bytes; 0: none (<see cref="ProcessLimits.MaxMemoryBytes"/>).</summary>
    public long MaxMemoryBytes { get; set; } = ProcessLimits.DefaultMaxMemoryBytes;

    /// <summary>Most open files per process; 0: the server's own limit (<see cref="ProcessLimits.MaxOpenFiles"/>).</summary>
    public int MaxOpenFiles { get; set; } = ProcessLimits.DefaultMaxOpenFiles;

    /// <summary>Most CPU seconds per process; unset: from the timeout; 0: none (<see cref="ProcessLimits.MaxCpuSeconds"/>).</summary>
    public long? MaxCpuSeconds { get; set; }

    /// <summary>Most processes of the user at once; 0: none (<see cref="ProcessLimits.MaxProcesses"/>).</summary>
    public int MaxProcesses { get; set; }

    /// <summary>Variables added to the programs' clean environment (<c>Extensions:Environment:NAME</c>).</summary>
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The sandbox of section <paramref name="section"/>'s programs.</summary>
    /// <exception cref="StartupException">A setting cannot work (the message names it).</exception>
    internal static ProcessSandbox Resolve(ModuleContext context, string section)
    {
        var settings = context.Bind<ProcessSettings>(section);
        try
        {
            return ProcessSandbox.Create(
                new ProcessLimits
                {
                    RunAs = settings.RunAs,
                    MaxMemoryBytes = settings.MaxMemoryBytes,
                    MaxOpenFiles = settings.MaxOpenFiles,
                    MaxCpuSeconds = settings.MaxCpuSeconds,
                    MaxProcesses = settings.MaxProcesses,
                    Environment = settings.Environment,
                },
                section);
        }
        catch (ArgumentException e)
        {
            throw new StartupException(e.Message, e);
        }
    }
}
