using Cairn.Core;

namespace Cairn.Jobs;

public sealed partial class ScriptJobs
{
    /// <summary>
    /// The name rules, checked before any file is touched: segments of 1–255 characters of <c>[A-Za-z0-9._-]</c>, not
    /// starting with <c>.</c> or <c>-</c>, split on <c>/</c>. That leaves no <c>..</c>, no absolute path, no empty
    /// segment, no option-like name and no character a shell or a log line would read specially.
    /// </summary>
    private static void CheckName(string type, string name)
    {
        if (name.Length == 0)
        {
            throw new InvalidArgumentException($"type: '{type}' names no script.");
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length is 0 or > 255)
            {
                throw new InvalidArgumentException(
                    $"type: '{Printable(type)}' has an empty or too long path segment (an absolute path, '//', or a trailing '/').");
            }

            if (segment[0] is '.' or '-')
            {
                throw new InvalidArgumentException(
                    $"type: '{Printable(type)}' has a path segment starting with '{segment[0]}' ('..', hidden files and options are refused).");
            }

            foreach (var c in segment)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-'))
                {
                    throw new InvalidArgumentException(
                        $"type: '{Printable(type)}' has a character a script name may not have ({Describe(c)}); allowed are letters, digits, '.', '_', '-' and '/' between segments.");
                }
            }
        }
    }

    /// <summary>Refuses a script whose real path (links resolved) is not under the real jobs directory.</summary>
    private void CheckInside(string type, string path, bool mustExist)
    {
        var root = Native.RealPath(_options.Directory)
            ?? throw new NotFoundException($"the jobs directory '{_options.Directory}' does not exist.");
        var real = Native.RealPath(path);
        if (real is null)
        {
            // A dangling link: judge where it points, then say it is missing.
            if (new FileInfo(path).LinkTarget is { } target)
            {
                var full = Path.GetFullPath(target, Path.GetDirectoryName(path)!);
                if (!IsUnder(full, root) && !IsUnder(full, Path.GetFullPath(_options.Directory)))
                {
                    throw new InvalidArgumentException($"type: '{type}' leaves the jobs directory through a link.");
                }
            }

            if (mustExist)
            {
                throw new NotFoundException($"no script for '{type}' in the jobs directory.");
            }

            return;
        }

        if (!IsUnder(real, root))
        {
            throw new InvalidArgumentException($"type: '{type}' leaves the jobs directory through a link.");
        }
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    private static string Printable(string text) =>
        string.Concat(text.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    private static string Describe(char c) => c switch
    {
        ' ' => "a space",
        '\n' => "a newline",
        _ when char.IsControl(c) => $"control character 0x{(int)c:x2}",
        _ => $"'{c}'",
    };
}
