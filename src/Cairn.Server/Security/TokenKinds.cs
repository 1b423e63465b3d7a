namespace Cairn.Server.Security;

/// <summary>The kinds of bearer token, and the prefix each carries (so that a leaked token is easy to grep for).</summary>
internal static class TokenKinds
{
    /// <summary>A login session (<c>POST /v1/auth/login</c>).</summary>
    public const string Login = "login";

    /// <summary>An API token (<c>POST /v1/auth/tokens</c>).</summary>
    public const string Api = "api";

    /// <summary>The cluster's node credential.</summary>
    public const string Node = "node";

    /// <summary>The prefix of a login session's token.</summary>
    public const string LoginPrefix = "cairn_";

    /// <summary>The prefix of an API token.</summary>
    public const string ApiPrefix = "cairnapi_";

    /// <summary>The prefix of the node credential.</summary>
    public const string NodePrefix = "cairnnode_";

    /// <summary>The prefix of a token of <paramref name="kind"/>.</summary>
    public static string PrefixOf(string kind) => kind switch
    {
        Login => LoginPrefix,
        Api => ApiPrefix,
        Node => NodePrefix,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown token kind."),
    };
}
