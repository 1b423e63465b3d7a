namespace Cairn.Core;

/// <summary>
/// The root of every error Cairn reports on purpose. Each subclass has one stable <see cref="Code"/>; the server maps
/// it to an HTTP status through <see cref="ErrorCatalog"/>, and the client maps the code back to the same type.
/// </summary>
public abstract class CairnException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected CairnException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The stable, machine-readable error code (e.g. <c>compacted</c>).</summary>
    public abstract string Code { get; }

    /// <summary>True when the same request may succeed if retried later.</summary>
    public virtual bool IsTransient => false;

    /// <summary>Extra facts a caller can act on (e.g. the compact revision), sent as problem-details extensions.</summary>
    public virtual IReadOnlyDictionary<string, object?> Details => EmptyDetails;

    private static readonly Dictionary<string, object?> EmptyDetails = [];
}
