namespace Cairn.Core;

/// <summary>Checks shared by every backend for a requested read revision.</summary>
public static class Revisions
{
    /// <summary>
    /// Resolves a requested read revision (0 = current) against the store's state, throwing the typed errors the
    /// contract promises.
    /// </summary>
    public static long Resolve(long requested, long current, long compacted)
    {
        if (requested < 0)
        {
            throw new InvalidArgumentException($"Revision {requested} is negative; use 0 for the latest.");
        }

        if (requested == 0)
        {
            return current;
        }

        if (requested > current)
        {
            throw new FutureRevisionException(requested, current);
        }

        if (requested < compacted)
        {
            throw new CompactedException(requested, compacted);
        }

        return requested;
    }
}
