using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>A put: the value as base64 <c>value</c> or as UTF-8 <c>text</c>.</summary>
public sealed class PutDto
{
    public string? Key { get; set; }

    public byte[]? Value { get; set; }

    public string? Text { get; set; }

    public bool PrevKv { get; set; }

    public long Lease { get; set; }

    public static PutDto From(PutRequest request) => new() { Key = request.Key, Value = request.Value.ToArray(), PrevKv = request.PrevKv, Lease = request.Lease };

    public PutRequest ToModel()
    {
        if (Key is null)
        {
            throw new InvalidArgumentException("The put has no 'key'.");
        }

        if (Value is not null && Text is not null)
        {
            throw new InvalidArgumentException("A put takes 'value' (base64) or 'text', not both.");
        }

        var value = Value ?? (Text is null ? [] : System.Text.Encoding.UTF8.GetBytes(Text));
        return new PutRequest(Key, value) { PrevKv = PrevKv, Lease = Lease };
    }
}
