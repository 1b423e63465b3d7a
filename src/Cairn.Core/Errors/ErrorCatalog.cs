namespace Cairn.Core;

/// <summary>
/// The single table that ties each error code to its HTTP status and back to its exception type. The server uses it
/// to answer; the client uses it to rethrow the same <see cref="CairnException"/> the server raised.
/// </summary>
public static class ErrorCatalog
{
    /// <summary>HTTP status for an error code (500 for an unknown one).</summary>
    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.InvalidArgument => 400,
        ErrorCodes.KeyTooLarge => 400,
        ErrorCodes.TooManyOps => 400,
        ErrorCodes.FutureRevision => 400,
        ErrorCodes.KeyNotFound => 404,
        ErrorCodes.LeaseNotFound => 404,
        ErrorCodes.NotFound => 404,
        ErrorCodes.MethodNotAllowed => 405,
        ErrorCodes.Conflict => 409,
        ErrorCodes.Compacted => 410,
        ErrorCodes.PreconditionFailed => 412,
        ErrorCodes.TooLarge => 413,
        ErrorCodes.UnsupportedMediaType => 415,
        ErrorCodes.Unavailable => 503,
        ErrorCodes.InsufficientStorage => 507,
        ErrorCodes.RangeNotSatisfiable => 416,
        ErrorCodes.ExtensionFailed => 502,
        ErrorCodes.ExtensionTimeout => 504,
        _ => 500,
    };

    /// <summary>A short title for the error code, used as the problem's <c>title</c>.</summary>
    public static string TitleFor(string code) => code switch
    {
        ErrorCodes.InvalidArgument => "Invalid argument",
        ErrorCodes.KeyTooLarge => "Key too large",
        ErrorCodes.TooManyOps => "Too many operations in transaction",
        ErrorCodes.FutureRevision => "Revision is in the future",
        ErrorCodes.KeyNotFound => "Key not found",
        ErrorCodes.LeaseNotFound => "Lease not found",
        ErrorCodes.NotFound => "Not found",
        ErrorCodes.MethodNotAllowed => "Method not allowed",
        ErrorCodes.Conflict => "Conflict",
        ErrorCodes.Compacted => "Revision compacted",
        ErrorCodes.PreconditionFailed => "Precondition failed",
        ErrorCodes.TooLarge => "Payload too large",
        ErrorCodes.UnsupportedMediaType => "Unsupported media type",
        ErrorCodes.Unavailable => "Store unavailable",
        ErrorCodes.InsufficientStorage => "Insufficient storage",
        ErrorCodes.RangeNotSatisfiable => "Range not satisfiable",
        ErrorCodes.Corrupt => "Stored data is corrupt",
        ErrorCodes.ExtensionFailed => "Extension failed",
        ErrorCodes.ExtensionTimeout => "Extension timed out",
        _ => "Internal error",
    };

    /// <summary>Rebuilds the exception a server reported, from its code, message and extensions.</summary>
    /// <param name="code">The problem's <c>code</c>.</param>
    /// <param name="message">The problem's <c>detail</c>.</param>
    /// <param name="number">Reads a numeric extension by name (null when absent).</param>
    /// <param name="text">Reads a string extension by name (null when absent).</param>
    public static CairnException FromCode(string code, string message, Func<string, long?> number, Func<string, string?> text) => code switch
    {
        ErrorCodes.InvalidArgument => new InvalidArgumentException(message),
        ErrorCodes.Compacted => new CompactedException(number("requestedRevision") ?? 0, number("compactRevision") ?? 0),
        ErrorCodes.FutureRevision => new FutureRevisionException(number("requestedRevision") ?? 0, number("currentRevision") ?? 0),
        ErrorCodes.KeyTooLarge => new LimitExceededException("key", number("actual") ?? 0, number("limit") ?? 0),
        ErrorCodes.TooManyOps => new LimitExceededException("txn", number("actual") ?? 0, number("limit") ?? 0),
        ErrorCodes.TooLarge => new LimitExceededException(text("what") ?? "request", number("actual") ?? 0, number("limit") ?? 0),
        ErrorCodes.PreconditionFailed => new PreconditionFailedException(text("key") ?? "", number("modRevision") ?? 0),
        ErrorCodes.KeyNotFound => new NoSuchKeyException(text("key") ?? ""),
        ErrorCodes.LeaseNotFound => new LeaseNotFoundException(number("leaseId") ?? 0),
        ErrorCodes.Unavailable => new UnavailableException(message),
        ErrorCodes.Conflict => new ConflictException(message),
        ErrorCodes.NotFound => new NotFoundException(message),
        ErrorCodes.InsufficientStorage => new InsufficientStorageException(message),
        _ => new RemoteException(code, message),
    };
}
