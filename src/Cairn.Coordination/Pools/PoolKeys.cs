namespace Cairn.Coordination.Pools;

/// <summary>The keys of one pool: <c>members/&lt;id&gt;</c> and <c>transactions/&lt;member&gt;/&lt;item&gt;</c>.</summary>
internal sealed class PoolKeys(string pool)
{
    public string Pool { get; } = pool;

    public string Root { get; } = PoolStore.Prefix + pool + "/";

    public string Members => Root + "members/";

    public string Transactions => Root + "transactions/";

    public string Member(string id) => Members + id;

    public string ItemsOf(string member) => Transactions + member + "/";

    public string Item(string member, string item) => ItemsOf(member) + item;

    /// <summary>The member id of a key under <see cref="Members"/>.</summary>
    public string MemberId(string key) => key[Members.Length..];

    /// <summary>(member, item) of a key under <see cref="Transactions"/>; null for anything else.</summary>
    public (string Member, string Item)? ItemOf(string key)
    {
        if (!key.StartsWith(Transactions, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = key.AsSpan(Transactions.Length);
        var slash = rest.IndexOf('/');
        return slash <= 0 || slash == rest.Length - 1 ? null : (rest[..slash].ToString(), rest[(slash + 1)..].ToString());
    }
}
