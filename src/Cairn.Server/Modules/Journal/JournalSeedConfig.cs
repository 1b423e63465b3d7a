using System.Text.RegularExpressions;
using Cairn.Server.Hosting;
using Cairn.Server.Http;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cairn.Server.Modules.Journal;

/// <summary>
/// The seed's journal config file, YAML:
/// <code>
/// journal:
///   primary: zookeeper://zkurl
///   secondary: nfs:///tmp/nfspath
/// </code>
/// also accepted without the <c>journal:</c> level. <c>secondary</c> is a directory: <c>nfs:///path</c> (a mounted NFS
/// path), <c>file:///path</c> or a plain path. <c>primary</c> is informational: the journal's primary is always the
/// server's keyspace, whatever store it names.
/// </summary>
/// <param name="Path">The file read.</param>
/// <param name="Primary">The primary it names, as written; null when absent.</param>
/// <param name="Secondary">The secondary directory it names, as a local path; null when absent.</param>
internal sealed partial record JournalSeedConfig(string Path, string? Primary, string? Secondary)
{
    private static readonly string[] PrimarySchemes = ["zookeeper", "zk", "etcd", "sqlite", "cairn"];

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    /// <exception cref="StartupException">The file cannot be read, is not YAML of this shape, or names an unknown scheme.</exception>
    public static JournalSeedConfig Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new StartupException($"Cannot read the journal config file '{path}' (Journal:Config): {ex.Message}", ex);
        }

        return Parse(path, text);
    }

    /// <summary>Parses the text of a config file; <paramref name="path"/> is named in errors.</summary>
    public static JournalSeedConfig Parse(string path, string text)
    {
        YamlMappingNode? root;
        try
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            root = yaml.Documents.Count == 0 ? null : yaml.Documents[0].RootNode as YamlMappingNode;
        }
        catch (YamlException ex)
        {
            throw new StartupException($"The journal config file '{path}' is not valid YAML: {ex.Message}", ex);
        }

        if (root is null)
        {
            throw new StartupException($"The journal config file '{path}' must be a mapping with 'primary' and 'secondary' (optionally under 'journal:').");
        }

        // With the journal: level, other top-level sections (of a shared file) are none of our business; without it,
        // the keys are the journal's own and a typo is an error rather than a silently ignored setting.
        var section = root;
        if (Child(root, "journal") is { } journal)
        {
            section = journal as YamlMappingNode
                ?? throw new StartupException($"In the journal config file '{path}', 'journal' must be a mapping with 'primary' and 'secondary'.");
        }

        string? primary = null;
        string? secondary = null;
        foreach (var (keyNode, valueNode) in section.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            var value = valueNode switch
            {
                YamlScalarNode scalar when scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null" => null,
                YamlScalarNode scalar => scalar.Value,
                _ => throw new StartupException($"In the journal config file '{path}', '{key}' must be a single value."),
            };
            switch (key)
            {
                case "primary":
                    primary = value;
                    break;
                case "secondary":
                    secondary = value;
                    break;
                default:
                    throw new StartupException($"The journal config file '{path}' has an unknown key '{key}'; it takes 'primary' and 'secondary'.");
            }
        }

        if (primary is not null)
        {
            var scheme = SchemeOf(primary);
            if (scheme is null || !PrimarySchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase))
            {
                throw new StartupException(
                    $"The journal config file '{path}' names primary '{primary}' with an unknown scheme; use one of {string.Join(", ", PrimarySchemes.Select(s => s + "://"))} (the primary is always this server's store).");
            }
        }

        return new JournalSeedConfig(path, primary, secondary is null ? null : SecondaryPath(path, secondary));
    }

    // nfs:///path and file:///path are local paths (an NFS secondary is a mounted directory); a plain path is itself.
    private static string SecondaryPath(string file, string secondary)
    {
        var scheme = SchemeOf(secondary);
        if (scheme is null)
        {
            return System.IO.Path.GetFullPath(secondary);
        }

        if (!scheme.Equals("nfs", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("file", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupException(
                $"The journal config file '{file}' names secondary '{secondary}' with an unknown scheme '{scheme}'; use nfs:///mounted/path, file:///path or a plain path.");
        }

        var rest = secondary[(scheme.Length + "://".Length)..];
        if (!rest.StartsWith('/'))
        {
            throw new StartupException(
                $"The journal config file '{file}' names secondary '{secondary}' with a host; Cairn writes the secondary through a mounted directory, so write it as {scheme}:///mount/point.");
        }

        return System.IO.Path.GetFullPath(Uri.UnescapeDataString(rest));
    }

    private static string? SchemeOf(string uri) => SchemePattern().Match(uri) is { Success: true } m ? m.Groups[1].Value : null;

    private static YamlNode? Child(YamlMappingNode mapping, string name) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: { } key } && key == name).Value;

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*)://")]
    private static partial Regex SchemePattern();
}
