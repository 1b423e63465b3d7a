using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>
/// A txn compare. <c>target</c>: value, version, createRevision, modRevision, lease. <c>result</c>: equal, notEqual,
/// greater, less (or =, !=, &gt;, &lt;). The operand is <c>number</c> for numeric targets, <c>value</c> (base64) or
/// <c>text</c> for the value target.
/// </summary>
public sealed class CompareDto
{
    public string? Key { get; set; }

    public string? Target { get; set; }

    public string? Result { get; set; }

    public long Number { get; set; }

    public byte[]? Value { get; set; }

    public string? Text { get; set; }

    public static CompareDto From(Compare compare) => new()
    {
        Key = compare.Key,
        Target = compare.Target switch
        {
            CompareTarget.Value => "value",
            CompareTarget.Version => "version",
            CompareTarget.CreateRevision => "createRevision",
            CompareTarget.ModRevision => "modRevision",
            _ => "lease",
        },
        Result = compare.Result switch
        {
            CompareResult.Equal => "equal",
            CompareResult.NotEqual => "notEqual",
            CompareResult.Greater => "greater",
            _ => "less",
        },
        Number = compare.Number,
        Value = compare.Target == CompareTarget.Value ? compare.Value.ToArray() : null,
    };

    public Compare ToModel()
    {
        if (Key is null)
        {
            throw new InvalidArgumentException("A compare has no 'key'.");
        }

        var target = Target?.ToLowerInvariant() switch
        {
            "value" => CompareTarget.Value,
            "version" => CompareTarget.Version,
            "createrevision" or "create_revision" or "create" => CompareTarget.CreateRevision,
            "modrevision" or "mod_revision" or "mod" => CompareTarget.ModRevision,
            "lease" => CompareTarget.Lease,
            null => throw new InvalidArgumentException("A compare has no 'target'; use one of value, version, createRevision, modRevision, lease."),
            _ => throw new InvalidArgumentException($"Unknown compare target '{Target}'; use one of value, version, createRevision, modRevision, lease."),
        };
        var result = Result?.ToLowerInvariant() switch
        {
            "equal" or "=" or "==" => CompareResult.Equal,
            "notequal" or "not_equal" or "!=" => CompareResult.NotEqual,
            "greater" or ">" => CompareResult.Greater,
            "less" or "<" => CompareResult.Less,
            null => throw new InvalidArgumentException("A compare has no 'result'; use one of equal, notEqual, greater, less."),
            _ => throw new InvalidArgumentException($"Unknown compare result '{Result}'; use one of equal, notEqual, greater, less."),
        };
        if (target == CompareTarget.Value)
        {
            if (Value is not null && Text is not null)
            {
                throw new InvalidArgumentException("A value compare takes 'value' (base64) or 'text', not both.");
            }

            return Compare.ValueOf(Key, result, Value ?? (Text is null ? [] : System.Text.Encoding.UTF8.GetBytes(Text)));
        }

        return new Compare(Key, target, result, Number, default);
    }
}
