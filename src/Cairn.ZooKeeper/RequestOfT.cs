namespace Cairn.ZooKeeper;

// A request whose caller awaits a T; an error code fails it with the code's exception unless the request takes the code
// as an answer (exists: NoNode is "null").
internal abstract class Request<T> : Request
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected Request(int type, string? path)
        : base(type, path)
    {
    }

    public Task<T> Task => _completion.Task;

    public sealed override void Complete(int error, ref JuteReader body)
    {
        if (error != 0 && !Accepts(error))
        {
            _completion.TrySetException(ZooKeeperException.Create((ZooKeeperErrorCode)error, Path));
            return;
        }

        _completion.TrySetResult(Read(error, ref body));
    }

    public sealed override void Fail(Exception exception) => _completion.TrySetException(exception);

    protected virtual bool Accepts(int error) => false;

    protected abstract T Read(int error, ref JuteReader body);
}
