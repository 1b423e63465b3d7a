namespace Cairn.Core;

/// <summary>The caller is over a limit of its own (HTTP 429): requests per second, failed logins, open watches. The
/// server sends <c>Retry-After</c>; <see cref="RetryAfter"/> is when trying again can succeed.</summary>
public sealed class TooManyRequestsException(string message, TimeSpan retryAfter) : CairnException(message)
{
    /// <summary>How long to wait before trying again.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <inheritdoc />
    public override string Code => ErrorCodes.TooManyRequests;

    /// <inheritdoc />
    public override bool IsTransient => true;

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["retryAfterSeconds"] = (long)Math.Ceiling(Math.Max(1, RetryAfter.TotalSeconds)),
    };
}
