namespace Cairn.Storage.Log;

/// <summary>
/// What opening a <see cref="FileKeyspaceLog"/> found at the end of its last segment and cut away: the bytes of a
/// record that was being written when the process or the machine stopped (never confirmed, so no confirmed write is
/// lost), or anything appended after the last whole record.
/// </summary>
/// <param name="Segment">The segment file that was cut.</param>
/// <param name="Offset">Where the last whole record ends in it: the file's length after the cut.</param>
/// <param name="BytesCut">How many bytes were removed.</param>
/// <param name="LastIndex">The index of the last whole record kept (0: none).</param>
/// <param name="Reason">Why the bytes at <paramref name="Offset"/> are not a whole record.</param>
public sealed record LogRecovery(string Segment, long Offset, long BytesCut, long LastIndex, string Reason);
