namespace Cairn.Core;

/// <summary>A key, value, request or txn is larger than the configured limit. <paramref name="message"/>, when given,
/// says more than the figures (what the limit is of, what to do); by default it states them.</summary>
public sealed class LimitExceededException(string what, long actual, long limit, string? message = null)
    : CairnException(message ?? $"The {what} is {actual} bytes; the limit is {limit}.")
{
    /// <summary>What was too large (<c>key</c>, <c>value</c>, <c>request</c>, <c>txn</c>).</summary>
    public string What { get; } = what;

    /// <summary>The size or count that was sent.</summary>
    public long Actual { get; } = actual;

    /// <summary>The configured limit.</summary>
    public long Limit { get; } = limit;

    /// <inheritdoc />
    public override string Code => What switch
    {
        "key" => ErrorCodes.KeyTooLarge,
        "txn" => ErrorCodes.TooManyOps,
        _ => ErrorCodes.TooLarge,
    };

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, object?> Details => new Dictionary<string, object?>
    {
        ["limit"] = Limit,
        ["actual"] = Actual,
        ["what"] = What,
    };
}
