using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Hosting;

/// <summary>
/// A module of the server — the journal, volumes, the cluster, … — and everything it brings to it. The host loops over
/// <see cref="ModuleCatalog.Create"/> and knows no module by name: a module reads its own settings, registers its
/// services with the container (background work as hosted services, leader-only work as
/// <see cref="Coordination.ILeaderService"/>, files it carries in snapshots as <see cref="Snapshots.ISnapshotFileSource"/>), maps its
/// endpoints, and declares its seed-compatible API.
/// </summary>
/// <remarks>
/// One instance serves one server start: what <see cref="Configure"/> reads may be kept in fields for the members
/// called after it. Nothing a module starts is started or disposed by hand: the container owns it.
/// </remarks>
internal interface ICairnModule
{
    /// <summary>The module's name in logs and start-up errors, e.g. <c>journal</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Reads and checks the module's settings (<paramref name="context"/> binds its configuration section) and registers
    /// its services. False when the settings switch the module off: then nothing of it runs and none of its endpoints
    /// are mapped.
    /// </summary>
    /// <exception cref="StartupException">A setting cannot work; the message names it and says what to change.</exception>
    bool Configure(ModuleContext context, IServiceCollection services);

    /// <summary>
    /// The configuration sections the module reads, with every setting in each (what its options classes bind and what
    /// it reads by hand), whether or not the module is on: a key that no module and not the host reads is refused at
    /// start-up (<see cref="SettingsCheck"/>).
    /// </summary>
    IReadOnlyList<SettingNode> ConfigSections { get; }

    /// <summary>Maps the module's own endpoints (under <c>/v1</c>). Called only when <see cref="Configure"/> returned true.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>The module's seed-compatible API, if it has one; read after <see cref="Configure"/> returned true.</summary>
    CompatApi? Compat { get; }

    /// <summary>
    /// Path prefixes under which the module reads names from the raw request target; the server would otherwise resolve a
    /// <c>.</c> or <c>..</c> segment away before routing (<c>/v1/blobs/../x</c> would quietly become another path), so
    /// such a request is refused instead.
    /// </summary>
    IReadOnlyList<string> RawPathPrefixes { get; }

    /// <summary>Key prefixes that belong to running nodes, which a snapshot leaves out (whether or not this module is
    /// on here: another node may have written them).</summary>
    IReadOnlyList<string> SnapshotExcludes { get; }

    /// <summary>How the files the module carries in snapshots (its <see cref="Snapshots.ISnapshotFileSource"/>) come back
    /// when a snapshot is restored into <paramref name="dataDirectory"/>; null when it carries none.</summary>
    Snapshots.ISnapshotFileSink? OpenSnapshotSink(string dataDirectory);
}
