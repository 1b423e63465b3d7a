using Cairn.Core;

namespace Cairn.Storage.Log;

/// <summary>What the log's files say about the Cairn that wrote them. Segments and snapshots carry a format version
/// in their header; one newer than this build reads is refused as a whole, before anything is cut or replayed.</summary>
internal static class LogFormat
{
    /// <summary>The one-line refusal of a file of a newer format.</summary>
    public static UnavailableException TooNew(string directory, int version, int known) =>
        new($"log directory {directory} has format version {version}; this cairn knows up to {known}; use a newer cairn");
}
