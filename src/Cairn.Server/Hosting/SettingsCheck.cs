using System.ComponentModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Cairn.Server.Hosting;

/// <summary>
/// Refuses, before anything starts, a configuration key that no setting reads (a misspelling such as <c>Lsiten</c>
/// would otherwise be ignored and the server bind its default) and a value that does not convert to its setting's type,
/// each named with where it came from, in one message.
/// </summary>
internal static class SettingsCheck
{
    /// <summary>Top-level sections that ASP.NET Core and .NET read themselves; Cairn does not know their keys.</summary>
    private static readonly HashSet<string> NotOurs = new(StringComparer.OrdinalIgnoreCase)
    {
        "Logging", "Kestrel", "AllowedHosts", "Urls", "Http_Ports", "Https_Ports", "Environment", "ApplicationName", "ContentRoot",
        "WebRoot", "DetailedErrors", "ShutdownTimeoutSeconds", "HostBuilder", "PreventHostingStartup", "HostingStartupAssemblies",
        "HostingStartupExcludeAssemblies", "SuppressStatusMessages", "CaptureStartupErrors", "StartupAssembly",
    };

    // More than this many problems are counted rather than listed: the message stays one readable line.
    private const int MaxListed = 5;

    /// <summary>Checks every key of <paramref name="configuration"/> against <paramref name="schema"/>.</summary>
    /// <exception cref="StartupException">A key is unknown or a value does not convert; the message names each.</exception>
    public static void Check(IConfigurationRoot configuration, SettingNode schema)
    {
        var problems = new List<string>();
        foreach (var section in configuration.GetChildren())
        {
            if (NotOurs.Contains(section.Key))
            {
                continue;
            }

            // CAIRN_ is also the prefix of the client's variables (CAIRN_ENDPOINT, CAIRN_TOKEN, …) and of those the CLI
            // gives the programs it runs (CAIRN_LOCK_TOKEN, …): a single-word variable that is no setting is theirs.
            if (!schema.Children.ContainsKey(section.Key) && !section.GetChildren().Any() && Source(configuration, section.Path) is EnvironmentVariablesConfigurationProvider)
            {
                continue;
            }

            Walk(configuration, section, schema, "", schema, problems);
        }

        if (problems.Count > 0)
        {
            var listed = string.Join(" ", problems.Take(MaxListed));
            throw new StartupException(problems.Count > MaxListed ? $"{listed} (and {problems.Count - MaxListed} more)" : listed);
        }
    }

    private static void Walk(IConfigurationRoot root, IConfigurationSection section, SettingNode parent, string parentPath, SettingNode schema, List<string> problems)
    {
        SettingNode? node;
        string path;
        if (parent.Item is { } item)
        {
            (node, path) = (item, Join(parentPath, section.Key));
        }
        else if (parent.Children.TryGetValue(section.Key, out node))
        {
            path = Join(parentPath, node.Name);
        }
        else
        {
            problems.Add($"Unknown setting '{Join(parentPath, section.Key)}'{Where(root, section)}{Suggestion(section.Key, parent, parentPath, schema)}");
            return;
        }

        if (section.Value is { } value && node.ValueType is { } type && !Converts(value, type))
        {
            problems.Add($"{path} must be {Expected(type)}; got '{value}'{Where(root, section)}.");
        }

        foreach (var child in section.GetChildren())
        {
            if (node.Item is null && node.Children.Count == 0)
            {
                problems.Add($"Unknown setting '{Join(path, child.Key)}'{Where(root, child)}: {path} takes a value, not settings under it.");
                continue;
            }

            Walk(root, child, node, path, schema, problems);
        }
    }

    private static string Join(string parent, string key) => parent.Length == 0 ? key : parent + ":" + key;

    /// <summary>Whether the configuration binder would convert <paramref name="value"/> to <paramref name="type"/>.</summary>
    private static bool Converts(string value, Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            if (value.Length == 0)
            {
                return true;
            }

            type = underlying;
        }

        if (type == typeof(string) || type == typeof(object))
        {
            return true;
        }

        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)
                || type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte) => $"a whole number ({type.Name})",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => $"a number ({type.Name})",
            _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant())),
            _ => $"a {type.Name}",
        };
    }

    // Where a key came from, for the message: the file, the environment variable or the command line that set it.
    private static string Where(IConfigurationRoot root, IConfigurationSection section)
    {
        var leaf = section;
        while (leaf.Value is null && leaf.GetChildren().FirstOrDefault() is { } first)
        {
            leaf = first;
        }

        return Source(root, leaf.Path) switch
        {
            FileConfigurationProvider file => $" (in {file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? "").PhysicalPath ?? file.Source.Path})",
            EnvironmentVariablesConfigurationProvider => $" (from environment variable CAIRN_{section.Path.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()})",
            CommandLineConfigurationProvider => " (from the command line)",
            _ => "",
        };
    }

    // The source that won for a key: the last one that has it.
    private static IConfigurationProvider? Source(IConfigurationRoot root, string path) =>
        root.Providers.LastOrDefault(p => p.TryGet(path, out _));

    // "; did you mean 'Listen'?" for a close sibling, or for a setting of the same name in another section.
    private static string Suggestion(string key, SettingNode parent, string parentPath, SettingNode schema)
    {
        var close = parent.Children.Values
            .Select(c => (c.Name, Distance: Distance(key.ToLowerInvariant(), c.Name.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Max(1, key.Length / 3))
            .OrderBy(c => c.Distance)
            .Select(c => Join(parentPath, c.Name))
            .FirstOrDefault();
        close ??= Find(schema, key, "");
        return close is null ? "; no setting of that name is read (see the README's configuration section)." : $"; did you mean '{close}'?";
    }

    private static string? Find(SettingNode node, string key, string path)
    {
        foreach (var child in node.Children.Values)
        {
            var childPath = Join(path, child.Name);
            if (string.Equals(child.Name, key, StringComparison.OrdinalIgnoreCase))
            {
                return childPath;
            }

            if (Find(child, key, childPath) is { } deeper)
            {
                return deeper;
            }
        }

        return null;
    }

    /// <summary>Edits (insert, delete, replace, swap of neighbours) from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
