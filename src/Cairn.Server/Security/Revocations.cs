namespace Cairn.Server.Security;

/// <summary>
/// The cancellation tokens behind <see cref="Principal.Revoked"/>: one source per user (for the principals made from its
/// record: password, certificate, peer), one per token (fired also when its user's changes, and at its expiry, by a timer
/// on the server's clock), one for the node credential. A fired source is dropped at once, so principals made before a
/// change are revoked and those made after it get a fresh source.
/// </summary>
/// <remarks>Thread-safe. Sources are cancelled outside the lock: their callbacks (aborting requests) run on the caller of
/// the Fire methods.</remarks>
internal sealed class Revocations(TimeProvider time) : IDisposable
{
    // Timers are limited to about 49 days; a later expiry is reached in steps.
    private static readonly TimeSpan LongestTimer = TimeSpan.FromDays(30);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, CancellationTokenSource> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TokenState> _tokens = new(StringComparer.Ordinal);
    private CancellationTokenSource _node = new();
    private bool _disposed;

    /// <summary>The token for principals of <paramref name="user"/> made from its record.</summary>
    public CancellationToken ForUser(string user)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return new CancellationToken(canceled: true);
            }

            if (!_users.TryGetValue(user, out var source))
            {
                _users[user] = source = new CancellationTokenSource();
            }

            return source.Token;
        }
    }

    /// <summary>The token for principals made from <paramref name="token"/>.</summary>
    public CancellationToken ForToken(TokenRecord token)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return new CancellationToken(canceled: true);
            }

            if (!_tokens.TryGetValue(token.Id, out var state))
            {
                state = new TokenState(this, token.Id, token.User, token.ExpiresAt, new CancellationTokenSource());
                _tokens[token.Id] = state;
                if (token.ExpiresAt is { } expires)
                {
                    state.Timer = time.CreateTimer(static s => ((TokenState)s!).Owner.Expire((TokenState)s!), state, Due(expires), Timeout.InfiniteTimeSpan);
                }
            }

            return state.Source.Token;
        }
    }

    /// <summary>The token for principals made from the node credential.</summary>
    public CancellationToken ForNode()
    {
        lock (_lock)
        {
            return _disposed ? new CancellationToken(canceled: true) : _node.Token;
        }
    }

    /// <summary>Ends the principals that <paramref name="changes"/> concerns.</summary>
    public void Fire(AuthSnapshot.Changes changes)
    {
        var fired = new List<CancellationTokenSource>();
        var timers = new List<ITimer>();
        lock (_lock)
        {
            if (changes.All)
            {
                fired.AddRange(_users.Values);
                _users.Clear();
                foreach (var state in _tokens.Values)
                {
                    fired.Add(state.Source);
                    timers.AddIfNotNull(state.Timer);
                }

                _tokens.Clear();
            }

            if (changes.All || changes.Node)
            {
                fired.Add(_node);
                _node = new CancellationTokenSource();
            }

            foreach (var user in changes.Users)
            {
                if (_users.Remove(user, out var source))
                {
                    fired.Add(source);
                }
            }

            foreach (var state in _tokens.Values.Where(t => changes.Tokens.Contains(t.Id) || changes.Users.Contains(t.User)).ToList())
            {
                _tokens.Remove(state.Id);
                fired.Add(state.Source);
                timers.AddIfNotNull(state.Timer);
            }
        }

        Cancel(fired, timers);
    }

    /// <summary>Ends every principal (the node is stopping).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }

        Fire(new AuthSnapshot.Changes { All = true });
    }

    private void Expire(TokenState state)
    {
        lock (_lock)
        {
            if (!_tokens.TryGetValue(state.Id, out var current) || current != state)
            {
                return;
            }

            if (state.ExpiresAt is { } expires && expires > time.GetUtcNow())
            {
                // Not yet: a long expiry is reached in steps (or the timer fired a little early).
                state.Timer?.Change(Due(expires), Timeout.InfiniteTimeSpan);
                return;
            }

            _tokens.Remove(state.Id);
        }

        Cancel([state.Source], state.Timer is { } timer ? [timer] : []);
    }

    private TimeSpan Due(DateTimeOffset expires)
    {
        var due = expires - time.GetUtcNow();
        return due <= TimeSpan.Zero ? TimeSpan.Zero : due > LongestTimer ? LongestTimer : due;
    }

    private static void Cancel(List<CancellationTokenSource> sources, List<ITimer> timers)
    {
        foreach (var timer in timers)
        {
            timer.Dispose();
        }

        foreach (var source in sources)
        {
            try
            {
                source.Cancel();
            }
            catch (AggregateException)
            {
                // A callback (aborting a request whose connection is already gone) failed; the others ran.
            }
        }
    }

    private sealed class TokenState(Revocations owner, string id, string user, DateTimeOffset? expiresAt, CancellationTokenSource source)
    {
        public string Id { get; } = id;

        public string User { get; } = user;

        public DateTimeOffset? ExpiresAt { get; } = expiresAt;

        public CancellationTokenSource Source { get; } = source;

        public ITimer? Timer { get; set; }

        public Revocations Owner { get; } = owner;
    }
}

file static class ListExtensions
{
    public static void AddIfNotNull<T>(this List<T> list, T? item)
        where T : class
    {
        if (item is not null)
        {
            list.Add(item);
        }
    }
}
