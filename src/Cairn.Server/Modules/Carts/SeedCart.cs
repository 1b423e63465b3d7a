using System.Text.Json;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Modules.Carts;

/// <summary>
/// A cart as pacifica-cartd's clients post it, checked against the seed's schema — an object with <c>fileids</c>, an
/// array of objects each with <c>id</c> (a string or an integer), <c>path</c>, <c>hashtype</c> and <c>hashsum</c>
/// (strings); other members allowed, as the schema allowed them — plus <c>bundle</c> (a boolean) and Cairn's
/// <c>archive</c> (a string). The seed answered a body that broke its schema with 500; here it is a 400 that says which
/// rule it broke.
/// </summary>
internal static class SeedCart
{
    /// <exception cref="InvalidArgumentException">The body breaks the schema.</exception>
    public static CreateCartDto Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"the body is {Describe(body)}, not an object");
        }

        if (!body.TryGetProperty("fileids", out var fileIds))
        {
            throw Invalid("'fileids' is a required property");
        }

        if (fileIds.ValueKind != JsonValueKind.Array)
        {
            throw Invalid($"'fileids' is {Describe(fileIds)}, not of type 'array'");
        }

        var files = new List<CartFileRequestDto>(fileIds.GetArrayLength());
        var index = 0;
        foreach (var item in fileIds.EnumerateArray())
        {
            var where = $"fileids[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid($"{where} is {Describe(item)}, not of type 'object'");
            }

            var id = Member(item, where, "id");
            if (id.ValueKind != JsonValueKind.String && !(id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out _)))
            {
                throw Invalid($"{where}.id is {Describe(id)}, not of type 'integer' or 'string'");
            }

            files.Add(new CartFileRequestDto
            {
                Id = id.Clone(),
                Path = Text(item, where, "path"),
                HashType = Text(item, where, "hashtype"),
                HashSum = Text(item, where, "hashsum"),
            });
        }

        var request = new CreateCartDto { FileIds = files };
        if (body.TryGetProperty("bundle", out var bundle) && bundle.ValueKind != JsonValueKind.Null)
        {
            request.Bundle = bundle.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Invalid($"'bundle' is {Describe(bundle)}, not of type 'boolean'"),
            };
        }

        if (body.TryGetProperty("archive", out var archive) && archive.ValueKind != JsonValueKind.Null)
        {
            request.Archive = archive.ValueKind == JsonValueKind.String ? archive.GetString() : throw Invalid($"'archive' is {Describe(archive)}, not of type 'string'");
        }

        return request;
    }

    private static JsonElement Member(JsonElement item, string where, string name) =>
        item.TryGetProperty(name, out var value) ? value : throw Invalid($"'{name}' is a required property of {where}");

    private static string Text(JsonElement item, string where, string name)
    {
        var value = Member(item, where, name);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid($"{where}.{name} is {Describe(value)}, not of type 'string'");
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static InvalidArgumentException Invalid(string rule) =>
        new($"The cart does not match pacifica-cartd's schema: {rule}. A cart is {{\"fileids\": [{{\"id\": …, \"path\": \"…\", \"hashtype\": \"md5\", \"hashsum\": \"…\"}}], \"bundle\": false}}.");
}
