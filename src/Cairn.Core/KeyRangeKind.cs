namespace Cairn.Core;

/// <summary>How a <see cref="KeyRange"/> was formed; kept so that a range travels losslessly over the wire.</summary>
public enum KeyRangeKind
{
    /// <summary>Exactly one key.</summary>
    Single,

    /// <summary>Every key that starts with the given prefix.</summary>
    Prefix,

    /// <summary>Keys in <c>[Key, End)</c>.</summary>
    Between,

    /// <summary>Every key greater than or equal to the given key.</summary>
    FromKey,
}
