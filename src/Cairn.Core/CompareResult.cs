namespace Cairn.Core;

/// <summary>The relation a <see cref="Compare"/> requires between the key's property and the operand.</summary>
public enum CompareResult
{
    /// <summary>Equal.</summary>
    Equal,

    /// <summary>Not equal.</summary>
    NotEqual,

    /// <summary>The key's property is greater than the operand.</summary>
    Greater,

    /// <summary>The key's property is less than the operand.</summary>
    Less,
}
