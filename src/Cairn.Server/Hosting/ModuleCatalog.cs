using Cairn.Server.Modules.Carts;
using Cairn.Server.Modules.Cluster;
using Cairn.Server.Modules.Coordination;
using Cairn.Server.Modules.Extensions;
using Cairn.Server.Modules.Jobs;
using Cairn.Server.Modules.Journal;
using Cairn.Server.Modules.Volumes;

namespace Cairn.Server.Hosting;

/// <summary>
/// Every module of the server, in the order their background work starts (and the reverse of the order it stops):
/// the cluster member last, so that leader-only work starts once everything it may call is running. Adding a module
/// is one line here.
/// </summary>
internal static class ModuleCatalog
{
    /// <summary>New instances of every module, for one server start.</summary>
    public static IReadOnlyList<ICairnModule> Create() =>
    [
        new ExtensionsModule(),
        new JournalModule(),
        new VolumesModule(),
        new JobsModule(),
        new CoordinationModule(),
        new CartsModule(),
        new ClusterModule(),
    ];
}
