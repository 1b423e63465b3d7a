using Cairn.Core;
using Cairn.Server.Hosting;
using Cairn.Server.Http;

namespace Cairn.Server.Api;

/// <summary>
/// Where a watch begins, settled before it is streamed (SSE or WebSocket): the client is told its start revision, and
/// a compacted start is refused up front rather than as an error in the middle of a stream.
/// </summary>
internal static class WatchStart
{
    /// <summary>The request with an explicit start revision, and the store revision it was resolved against.</summary>
    /// <exception cref="CompactedException">The start is below the compaction point.</exception>
    public static async Task<(WatchRequest Request, long Revision)> ResolveAsync(IKeyspace store, WatchRequest request, CancellationToken cancellationToken)
    {
        var status = await store.StatusAsync(cancellationToken).ConfigureAwait(false);
        var start = request.StartRevision == 0 ? status.Revision + 1 : request.StartRevision;
        if (start < status.CompactRevision)
        {
            throw new CompactedException(start, status.CompactRevision);
        }

        return (request with { StartRevision = start }, status.Revision);
    }
}
