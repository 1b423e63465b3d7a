using System.Text.Json;
using Cairn.Contracts;

namespace Cairn.Cli;

/// <summary>The files of <c>cairn cart get</c>: FILE arguments (archive ids, each its own path in the tar) and
/// <c>--from list.json</c>, pacifica-cartd's cart body (<c>{"fileids": [...], "bundle": …}</c>) or a bare array of
/// fileids (objects <c>{"id", "path", "hashtype", "hashsum"}</c>, or ids alone).</summary>
internal static class CartRequests
{
    /// <summary>The cart to create, or null when neither FILEs nor <c>--from</c> were given.</summary>
    /// <exception cref="ArgumentException">The list file is missing or not one of the two shapes (the message names it).</exception>
    public static CreateCartDto? Build(IReadOnlyList<string> files, string? fromFile, bool bundle, string? archive)
    {
        CreateCartDto? fromList = fromFile is null ? null : Read(fromFile);
        if (fromList is null && files.Count == 0)
        {
            return null;
        }

        var cart = fromList ?? new CreateCartDto { FileIds = [] };
        cart.FileIds ??= [];
        foreach (var file in files)
        {
            cart.FileIds.Add(new CartFileRequestDto { Id = JsonSerializer.SerializeToElement(file), Path = file });
        }

        if (bundle)
        {
            cart.Bundle = true;
        }

        if (archive is not null)
        {
            cart.Archive = archive;
        }

        if (cart.FileIds.Count == 0)
        {
            throw new ArgumentException($"--from {fromFile}: the list has no files.");
        }

        return cart;
    }

    private static CreateCartDto Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--from: there is no file '{path}'.");
        }

        const string Shapes = """a cart ({"fileids": [{"id": …, "path": …, "hashtype": …, "hashsum": …}], "bundle": false}) or an array of fileids""";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"--from {path} is not JSON ({ex.Message}): write {Shapes}.");
        }

        using (document)
        {
            var root = document.RootElement;
            var cart = new CreateCartDto();
            JsonElement list;
            if (root.ValueKind == JsonValueKind.Array)
            {
                list = root;
            }
            else if (root.ValueKind == JsonValueKind.Object && Property(root, "fileids") is { ValueKind: JsonValueKind.Array } ids)
            {
                list = ids;
                cart.Bundle = Property(root, "bundle") switch
                {
                    { ValueKind: JsonValueKind.True } => true,
                    { ValueKind: JsonValueKind.False } => false,
                    null or { ValueKind: JsonValueKind.Null } => null,
                    _ => throw new ArgumentException($"--from {path}: \"bundle\" is true or false."),
                };
                cart.Archive = Property(root, "archive") is { ValueKind: JsonValueKind.String } a ? a.GetString() : null;
            }
            else
            {
                throw new ArgumentException($"--from {path} is not {Shapes}.");
            }

            cart.FileIds = [.. list.EnumerateArray().Select((item, i) => FileOf(item, i, path))];
            return cart;
        }
    }

    private static CartFileRequestDto FileOf(JsonElement item, int index, string path)
    {
        switch (item.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.Number:
                return new CartFileRequestDto { Id = item.Clone(), Path = Text(item) };
            case JsonValueKind.Object when Property(item, "id") is { ValueKind: JsonValueKind.String or JsonValueKind.Number } id:
                return new CartFileRequestDto
                {
                    Id = id.Clone(),
                    Path = Property(item, "path") is { ValueKind: JsonValueKind.String } p ? p.GetString()! : Text(id),
                    HashType = Property(item, "hashtype") is { ValueKind: JsonValueKind.String } t ? t.GetString() : null,
                    HashSum = Property(item, "hashsum") is { ValueKind: JsonValueKind.String } s ? s.GetString() : null,
                };
            default:
                throw new ArgumentException($"--from {path}: file {index} is neither an id nor an object with an \"id\" (a string or a number).");
        }
    }

    private static string Text(JsonElement id) => id.ValueKind == JsonValueKind.String ? id.GetString()! : id.GetRawText();

    // Case-insensitive, as the seed's clients wrote "fileids" and "fileIds" both.
    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
