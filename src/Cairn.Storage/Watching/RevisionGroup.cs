namespace Cairn.Storage.Watching;

/// <summary>The changes of one revision.</summary>
internal sealed class RevisionGroup(long revision, WindowEvent[] events)
{
    public long Revision { get; } = revision;

    public WindowEvent[] Events { get; } = events;
}
