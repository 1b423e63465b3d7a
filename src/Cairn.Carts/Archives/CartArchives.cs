using Cairn.Core;

namespace Cairn.Carts.Archives;

/// <summary>The archives this node can stage from, by name, and which one a cart that names none uses.</summary>
public sealed class CartArchives
{
    private readonly Dictionary<string, ICartArchive> _byName;

    /// <summary>The archives; <paramref name="defaultName"/> must be one of them, or no archive (then every cart must name one).</summary>
    public CartArchives(IEnumerable<ICartArchive> archives, string? defaultName)
    {
        _byName = archives.ToDictionary(a => a.Name, StringComparer.Ordinal);
        DefaultName = defaultName is not null && _byName.ContainsKey(defaultName) ? defaultName : null;
    }

    /// <summary>The archive of a cart that names none; null when there is none.</summary>
    public string? DefaultName { get; }

    /// <summary>The names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _byName.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The archive called <paramref name="name"/> (null: the default).</summary>
    /// <exception cref="InvalidArgumentException">There is no such archive here.</exception>
    public ICartArchive Get(string? name)
    {
        var wanted = name ?? DefaultName;
        return wanted is not null && _byName.TryGetValue(wanted, out var archive)
            ? archive
            : throw new InvalidArgumentException(wanted is null
                ? "The cart names no archive and no default archive is configured (Carts:Archive)."
                : $"No archive '{wanted}' is configured here; configured: {(_byName.Count == 0 ? "none" : string.Join(", ", Names))}.");
    }

    /// <summary>True when an archive called <paramref name="name"/> is configured.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);
}
