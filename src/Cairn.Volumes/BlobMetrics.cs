using System.Diagnostics.Metrics;

namespace Cairn.Volumes;

/// <summary>Blob bodies in and out, for /metrics.</summary>
internal static class BlobMetrics
{
    public const string MeterName = "Cairn.Volumes";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Bytes of bodies stored by puts that committed (a put that failed stores nothing).</summary>
    public static readonly Counter<long> BytesIn = Meter.CreateCounter<long>(
        "cairn_blob_bytes_in_total", unit: "By", description: "Bytes of blob bodies stored.");

    /// <summary>Bytes of bodies (or ranges of them) copied out whole to a reader.</summary>
    public static readonly Counter<long> BytesOut = Meter.CreateCounter<long>(
        "cairn_blob_bytes_out_total", unit: "By", description: "Bytes of blob bodies (or ranges of them) sent to readers.");
}
