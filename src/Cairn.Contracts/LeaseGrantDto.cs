using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The body of <c>POST /v1/leases</c>.</summary>
public sealed class LeaseGrantDto
{
    /// <summary>Time to live in seconds.</summary>
    public long Ttl { get; set; }

    /// <summary>The id to use; 0 or absent lets the server choose.</summary>
    public long Id { get; set; }
}
