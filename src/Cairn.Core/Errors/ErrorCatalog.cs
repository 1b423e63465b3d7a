namespace Cairn.Core;

/// <summary>
/// The one table of Cairn's errors: each stable code with its HTTP status, its problem title, and how a client rebuilds
/// the exception the server raised. The server answers with <see cref="StatusFor"/> and <see cref="TitleFor"/>; the
/// client turns a problem back into the same <see cref="CairnException"/> type with <see cref="FromCode"/>. A new code
/// is one row here (a test checks that every code in <see cref="ErrorCodes"/> has one).
/// </summary>
public static class ErrorCatalog
{
    private static readonly Dictionary<string, ErrorEntry> ByCode = new ErrorEntry[]
    {
        new(ErrorCodes.InvalidArgument, 400, "Invalid argument", p => new InvalidArgumentException(p.Detail)),
        new(ErrorCodes.KeyTooLarge, 400, "Key too large", p => new LimitExceededException("key", p.Number("actual") ?? 0, p.Number("limit") ?? 0)),
        new(ErrorCodes.TooManyOps, 400, "Too many operations in transaction", p => new LimitExceededException("txn", p.Number("actual") ?? 0, p.Number("limit") ?? 0)),
        new(ErrorCodes.FutureRevision, 400, "Revision is in the future", p => new FutureRevisionException(p.Number("requestedRevision") ?? 0, p.Number("currentRevision") ?? 0)),
        new(ErrorCodes.Unauthenticated, 401, "Unauthenticated", p => new UnauthenticatedException(p.Detail)),
        new(ErrorCodes.PermissionDenied, 403, "Permission denied", p => new PermissionDeniedException(p.Text("resource") ?? "", p.Text("action") ?? "", p.Text("name"), p.Detail)),
        new(ErrorCodes.Forbidden, 403, "Forbidden", p => new ForbiddenException(p.Detail)),
        new(ErrorCodes.KeyNotFound, 404, "Key not found", p => new NoSuchKeyException(p.Text("key") ?? "")),
        new(ErrorCodes.LeaseNotFound, 404, "Lease not found", p => new LeaseNotFoundException(p.Number("leaseId") ?? 0)),
        new(ErrorCodes.NotFound, 404, "Not found", p => new NotFoundException(p.Detail)),
        new(ErrorCodes.MethodNotAllowed, 405, "Method not allowed", p => new MethodNotAllowedException(p.Detail)),
        new(ErrorCodes.Conflict, 409, "Conflict", p => new ConflictException(p.Detail)),
        new(ErrorCodes.Compacted, 410, "Revision compacted", p => new CompactedException(p.Number("requestedRevision") ?? 0, p.Number("compactRevision") ?? 0)),
        new(ErrorCodes.PreconditionFailed, 412, "Precondition failed", p => new PreconditionFailedException(p.Text("key") ?? "", p.Number("modRevision") ?? 0, p.Detail.Length > 0 ? p.Detail : null)),
        new(ErrorCodes.TooLarge, 413, "Payload too large", p => new LimitExceededException(p.Text("what") ?? "request", p.Number("actual") ?? 0, p.Number("limit") ?? 0, p.Detail.Length > 0 ? p.Detail : null)),
        new(ErrorCodes.UnsupportedMediaType, 415, "Unsupported media type", p => new UnsupportedMediaTypeException(p.Detail)),
        new(ErrorCodes.RangeNotSatisfiable, 416, "Range not satisfiable", p => new RangeNotSatisfiableException(p.Detail)),
        new(ErrorCodes.InvalidTransition, 422, "Invalid transition", p => new InvalidTransitionException(p.Text("from") ?? "", p.Text("to") ?? "", p.Detail)),
        new(ErrorCodes.TooManyRequests, 429, "Too many requests", p => new TooManyRequestsException(p.Detail, TimeSpan.FromSeconds(p.Number("retryAfterSeconds") ?? 1))),
        new(ErrorCodes.Corrupt, 500, "Stored data is corrupt", p => new CorruptException(p.Detail)),
        new(ErrorCodes.Internal, 500, "Internal error", p => new InternalErrorException(p.Detail)),
        new(ErrorCodes.ExtensionFailed, 502, "Extension failed", p => new ExtensionFailedException(p.Detail)),
        new(ErrorCodes.Unavailable, 503, "Unavailable", p => new UnavailableException(p.Detail)),
        new(ErrorCodes.ExtensionTimeout, 504, "Extension timed out", p => new ExtensionTimeoutException(p.Detail)),
        new(ErrorCodes.InsufficientStorage, 507, "Insufficient storage", p => new InsufficientStorageException(p.Detail)),
    }.ToDictionary(e => e.Code, StringComparer.Ordinal);

    /// <summary>Every row of the table.</summary>
    public static IReadOnlyCollection<ErrorEntry> Entries => ByCode.Values;

    /// <summary>The row of <paramref name="code"/>; null for a code this version does not know.</summary>
    public static ErrorEntry? Find(string code) => ByCode.GetValueOrDefault(code);

    /// <summary>HTTP status for an error code (500 for an unknown one).</summary>
    public static int StatusFor(string code) => Find(code)?.Status ?? 500;

    /// <summary>A short title for the error code, used as the problem's <c>title</c>.</summary>
    public static string TitleFor(string code) => Find(code)?.Title ?? "Internal error";

    /// <summary>Rebuilds the exception a server reported, from its code, message and extensions; a code this version
    /// does not know becomes a <see cref="RemoteException"/> carrying it.</summary>
    /// <param name="code">The problem's <c>code</c>.</param>
    /// <param name="message">The problem's <c>detail</c>.</param>
    /// <param name="number">Reads a numeric extension by name (null when absent).</param>
    /// <param name="text">Reads a string extension by name (null when absent).</param>
    public static CairnException FromCode(string code, string message, Func<string, long?> number, Func<string, string?> text) =>
        Find(code) is { } entry ? entry.Rebuild(new ProblemFacts(message, number, text)) : new RemoteException(code, message);
}
