using System.Collections;
using System.ComponentModel;
using System.Reflection;

namespace Cairn.Server.Hosting;

/// <summary>
/// One setting, or section of settings, that the server reads: its name as the options property spells it, the type its
/// value converts to (if it takes a value), the settings under it, and — for a list or a dictionary — what each item is.
/// Built from the options classes the way the configuration binder sees them, so that a key no property binds is known
/// to be a mistake rather than silently ignored.
/// </summary>
internal sealed class SettingNode(string name)
{
    private readonly Dictionary<string, SettingNode> _children = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name as the options property spells it (<c>MaxKeyBytes</c>).</summary>
    public string Name { get; } = name;

    /// <summary>The type a value of this setting converts to; null when it takes no value of its own (a section).</summary>
    public Type? ValueType { get; private set; }

    /// <summary>What each child is when the children are items of a list or entries of a dictionary, whatever their keys;
    /// null when the children are named settings.</summary>
    public SettingNode? Item { get; private set; }

    /// <summary>The named settings under this one.</summary>
    public IReadOnlyDictionary<string, SettingNode> Children => _children;

    /// <summary>A node whose children are anything (a dictionary of strings, a section read by hand).</summary>
    public static SettingNode Free(string name) => new(name) { Item = new SettingNode("*") { ValueType = typeof(string) } };

    /// <summary>A setting that takes a string value or a list of strings (<c>Listen</c>, given as <c>a,b</c> or as items).</summary>
    public static SettingNode StringList(string name) => new(name) { ValueType = typeof(string), Item = new SettingNode("*") { ValueType = typeof(string) } };

    /// <summary>Section <paramref name="name"/>, holding what each of <paramref name="types"/> binds from it.</summary>
    public static SettingNode Section(string name, params Type[] types)
    {
        var section = new SettingNode(name);
        foreach (var type in types)
        {
            section.AddProperties(type);
        }

        return section;
    }

    /// <summary>Adds section <paramref name="section"/>, merged with the one of its name if there is one (two modules
    /// may read one section; <c>Backend</c> is a value and a section).</summary>
    public void Include(SettingNode section)
    {
        if (!_children.TryGetValue(section.Name, out var mine))
        {
            _children[section.Name] = section;
            return;
        }

        mine.ValueType ??= section.ValueType;
        mine.Item ??= section.Item;
        foreach (var child in section.Children.Values)
        {
            mine.Include(child);
        }
    }

    /// <summary>Adds (or replaces) a child; returns this node.</summary>
    public SettingNode With(SettingNode child)
    {
        _children[child.Name] = child;
        return this;
    }

    /// <summary>Adds the settings <paramref name="type"/>'s public properties bind, as the configuration binder binds
    /// them: a property with a public setter, or a get-only one holding a section, list or dictionary.</summary>
    public SettingNode AddProperties(Type type)
    {
        foreach (var child in FromType(Name, type, depth: 0).Children.Values)
        {
            With(child);
        }

        return this;
    }

    /// <summary>The node of a setting of type <paramref name="type"/>.</summary>
    public static SettingNode FromType(string name, Type type, int depth)
    {
        var declared = type;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            return new SettingNode(name) { ValueType = declared }; // Nullable<T> kept: an empty value is then no value
        }

        // Guards against a type that contains itself; no options class nests this deep.
        if (depth > 8)
        {
            return Free(name);
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new SettingNode(name) { Item = FromType("*", valueType, depth + 1) };
        }

        if (type != typeof(string) && ItemType(type) is { } itemType)
        {
            // A list setting is also read as one comma-separated string (Settings.List).
            var item = FromType("*", itemType, depth + 1);
            return new SettingNode(name) { Item = item, ValueType = item.ValueType is null ? null : typeof(string) };
        }

        var section = new SettingNode(name);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0)
            {
                var child = FromType(property.Name, property.PropertyType, depth + 1);
                if (property.SetMethod is { IsPublic: true } || child.ValueType is null)
                {
                    section.With(child);
                }
            }
        }

        return section;
    }

    /// <summary>Whether a value of <paramref name="type"/> is one string in configuration (as the binder converts it).</summary>
    private static bool IsScalar(Type type) =>
        type == typeof(string) || type == typeof(object) || type.IsPrimitive || type.IsEnum || type == typeof(decimal)
        || type == typeof(TimeSpan) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri)
        || (!typeof(IEnumerable).IsAssignableFrom(type) && TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)));

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ItemType(Type type) =>
        type.IsArray
            ? type.GetElementType()
            : (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
                ?.GetGenericArguments()[0];
}
