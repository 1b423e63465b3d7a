namespace Cairn.ZooKeeper;

// The server's path rules (PathUtils.validatePath), checked before anything is sent, and the chroot's mapping of paths.
internal static class ZooKeeperPath
{
    // A sequential create's path is checked with a digit appended: the server appends the counter, so "/a/" is fine.
    public static void Validate(string path, bool sequential, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(path, parameterName);
        if (Problem(sequential ? path + "1" : path) is { } problem)
        {
            throw new ArgumentException($"Invalid ZooKeeper path \"{path}\": {problem}.", parameterName);
        }
    }

    public static string? Problem(string path)
    {
        if (path.Length == 0)
        {
            return "it is empty";
        }

        if (path[0] != '/')
        {
            return "it must start with /";
        }

        if (path.Length == 1)
        {
            return null;
        }

        if (path[^1] == '/')
        {
            return "it must not end with /";
        }

        var last = '/';
        for (var i = 1; i < path.Length; last = path[i], i++)
        {
            var c = path[i];
            if (c == 0)
            {
                return $"null character at {i}";
            }

            if (c == '/' && last == '/')
            {
                return $"empty node name at {i}";
            }

            if (c == '.' && last == '.')
            {
                if (path[i - 2] == '/' && (i + 1 == path.Length || path[i + 1] == '/'))
                {
                    return $"relative paths are not allowed (.. at {i})";
                }
            }
            else if (c == '.')
            {
                if (path[i - 1] == '/' && (i + 1 == path.Length || path[i + 1] == '/'))
                {
                    return $"relative paths are not allowed (. at {i})";
                }
            }
            else if (c is > '\u0000' and <= '\u001f' or >= '\u007f' and <= '\u009f' or >= '\ud800' and <= '\uf8ff' or >= '\ufff0')
            {
                return $"invalid character U+{(int)c:X4} at {i}";
            }
        }

        return null;
    }
}
