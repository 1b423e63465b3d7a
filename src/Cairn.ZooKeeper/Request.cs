namespace Cairn.ZooKeeper;

// A request on its way through the pipeline: queued in call order, given its xid and written by the connection's writer,
// answered by the reader in xid order. It completes exactly once: with its reply, or failed with connection loss, session
// expiry or disposal. Completions run their continuations asynchronously, never on the socket reader.
internal abstract class Request
{
    protected Request(int type, string? path)
    {
        Type = type;
        Path = path;
    }

    // The op code of the request header.
    public int Type { get; }

    // The path the caller passed (chroot-relative), to name it in exceptions; null when the request has none.
    public string? Path { get; }

    // Set by the writer when it serialises the request.
    public int Xid { get; set; }

    public abstract void WriteBody(JuteWriter writer);

    // Runs on the socket reader, before the next reply is read: watch bookkeeping that must precede the notifications
    // that follow the reply belongs here. Throws InvalidDataException when the body cannot be read.
    public abstract void Complete(int error, ref JuteReader body);

    public abstract void Fail(Exception exception);
}
