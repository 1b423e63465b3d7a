using System.Diagnostics.Metrics;

namespace Cairn.Core.Concurrency;

/// <summary>The meters a <see cref="WorkGate"/> reports to (for /metrics): each user of a gate owns its own, named after
/// what it runs.</summary>
/// <param name="Running">Goes up when a run is admitted, down when its permit is released.</param>
/// <param name="Queued">Goes up when a caller starts waiting, down when it is admitted, refused or leaves.</param>
/// <param name="Refused">Counts the callers turned away (queue full or waited too long).</param>
public sealed record WorkGateInstruments(UpDownCounter<long> Running, UpDownCounter<long> Queued, Counter<long> Refused);
