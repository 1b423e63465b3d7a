using Cairn.Coordination;
using Cairn.Journal;

using Cairn.Server.Hosting;

namespace Cairn.Server.Modules.Journal;

/// <summary>The journal archiver (fold, export, retention every <c>Journal:ExportInterval</c>) as leader-only work.
/// An adapter here because Cairn.Journal does not depend on Cairn.Coordination.</summary>
internal sealed class JournalArchiveLeaderService(JournalArchiver archiver) : ILeaderService
{
    public string Name => "journal-archive";

    public Task RunAsync(CancellationToken cancellationToken) => archiver.RunAsync(cancellationToken);
}
