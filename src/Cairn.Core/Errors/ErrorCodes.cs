namespace Cairn.Core;

/// <summary>The stable error codes Cairn reports. They appear in problem details as <c>code</c> and never change meaning.</summary>
public static class ErrorCodes
{
    /// <summary>Malformed or impossible request.</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>Revision below the compaction point.</summary>
    public const string Compacted = "compacted";

    /// <summary>Revision above the current revision.</summary>
    public const string FutureRevision = "future_revision";

    /// <summary>Value or request over the size limit.</summary>
    public const string TooLarge = "too_large";

    /// <summary>Key over the length limit.</summary>
    public const string KeyTooLarge = "key_too_large";

    /// <summary>Txn with more ops than allowed.</summary>
    public const string TooManyOps = "too_many_ops";

    /// <summary>Compare-and-set precondition failed.</summary>
    public const string PreconditionFailed = "precondition_failed";

    /// <summary>The request is refused whatever it asks for: it came from a web page of another origin, or named a host
    /// this server does not answer to (HTTP 403).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>Key does not exist.</summary>
    public const string KeyNotFound = "key_not_found";

    /// <summary>Lease does not exist (never granted, revoked or expired).</summary>
    public const string LeaseNotFound = "lease_not_found";

    /// <summary>The store, or a queue such as the extensions', cannot take the request now; retry (HTTP 503).</summary>
    public const string Unavailable = "unavailable";

    /// <summary>No such route or resource.</summary>
    public const string NotFound = "not_found";

    /// <summary>The route exists but not for this HTTP method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>The request body is not of a media type the endpoint takes (HTTP 415).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>The request conflicts with the current state of what it addresses (HTTP 409).</summary>
    public const string Conflict = "conflict";

    /// <summary>A state machine was asked for a transition its graph does not declare (HTTP 422).</summary>
    public const string InvalidTransition = "invalid_transition";

    /// <summary>The requested byte range is outside the body (HTTP 416).</summary>
    public const string RangeNotSatisfiable = "range_not_satisfiable";

    /// <summary>No volume has room for the body (HTTP 507).</summary>
    public const string InsufficientStorage = "insufficient_storage";

    /// <summary>A stored body failed its checksum (HTTP 500).</summary>
    public const string Corrupt = "corrupt";

    /// <summary>An extension failed: it exited non-zero, threw, or printed something that is not JSON (HTTP 502).</summary>
    public const string ExtensionFailed = "extension_failed";

    /// <summary>An extension did not finish within its timeout and was stopped (HTTP 504).</summary>
    public const string ExtensionTimeout = "extension_timeout";

    /// <summary>The request carries no credential, or one that is unknown, expired, revoked, forged or wrong (HTTP 401).
    /// Log in again, or send a valid token, client certificate or password.</summary>
    public const string Unauthenticated = "unauthenticated";

    /// <summary>The caller is known but none of its roles grants the permission the request needs (HTTP 403). The problem
    /// names the resource, action and name that were refused.</summary>
    public const string PermissionDenied = "permission_denied";

    /// <summary>The caller sent too many requests, too many failed logins, or holds too many watches (HTTP 429); retry after
    /// the problem's <c>retryAfterSeconds</c>.</summary>
    public const string TooManyRequests = "too_many_requests";

    /// <summary>Unexpected server failure.</summary>
    public const string Internal = "internal";
}
