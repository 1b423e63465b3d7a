using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body and result of <c>POST /v1/compact</c>.</summary>
public sealed class CompactDto
{
    public long Revision { get; set; }

    public long CompactRevision { get; set; }
}
