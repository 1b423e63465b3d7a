namespace Cairn.Core;

/// <summary>Which property of a key a <see cref="Compare"/> looks at.</summary>
public enum CompareTarget
{
    /// <summary>The value bytes (compared as unsigned bytes, lexicographically).</summary>
    Value,

    /// <summary>The key's version; 0 when the key does not exist.</summary>
    Version,

    /// <summary>The key's create revision; 0 when the key does not exist.</summary>
    CreateRevision,

    /// <summary>The key's mod revision; 0 when the key does not exist.</summary>
    ModRevision,

    /// <summary>The key's lease id; 0 when none or when the key does not exist.</summary>
    Lease,
}
