using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Security;

/// <summary>Marks a request whose handler wrote its own audit line (<c>user.add</c>, …), so that the authorization
/// middleware does not add a generic <c>admin</c> line for it too.</summary>
internal static class AuditMark
{
    private static readonly object Key = new();

    /// <summary>Marks the request as audited.</summary>
    public static void Set(HttpContext context) => context.Items[Key] = true;

    /// <summary>Whether the handler audited the request itself.</summary>
    public static bool IsAudited(HttpContext context) => context.Items.ContainsKey(Key);
}
