using System.Collections.Concurrent;
using Cairn.Core;
using Microsoft.AspNetCore.Http;

namespace Cairn.Server.Security;

/// <summary>
/// Password checks (a login, HTTP basic auth) with failed-login throttling, per user name and per client address: after
/// <c>Auth:MaxFailedLogins</c> failures every further attempt on that name or from that address — a correct one too — is
/// refused with 429 until a wait has passed; the wait starts at <c>Auth:LoginBackoff</c> and doubles with each further
/// failure up to 5 minutes. A success resets both. Attempts in flight count, so a burst of parallel guesses gets no more
/// tries than a sequence of them. Time is the server's clock.
/// </summary>
/// <remarks>Memory is bounded: entries idle for longer than the longest wait are dropped, and at most
/// <see cref="MaxEntries"/> are kept.</remarks>
internal sealed class LoginThrottle(AccessControl access, AuthSettings settings, AuditLog audit, TimeProvider time)
{
    /// <summary>The most names and addresses tracked at once.</summary>
    public const int MaxEntries = 100_000;

    // Attempts that may wait on one name or address for a check to end; more are refused at once.
    private const int MaxWaiting = 64;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private int _sweepCountdown = 1024;

    /// <summary>
    /// The user <paramref name="user"/> if <paramref name="password"/> is its password; null (audited) if not.
    /// </summary>
    /// <exception cref="TooManyRequestsException">Too many failures for the name or the address: nothing was checked.</exception>
    public async ValueTask<Principal?> CheckAsync(HttpContext context, string user, string password, string how)
    {
        var from = Caller.From(context);
        var taken = new List<Entry>(2);
        try
        {
            foreach (var key in new[] { "user:" + user, "from:" + AddressOf(context) })
            {
                var (entry, wait) = await TakeAsync(key, context.RequestAborted).ConfigureAwait(false);
                if (entry is null)
                {
                    audit.Write("auth.throttled", user, from, $"{how} {Describe(context)}", "throttled");
                    throw new TooManyRequestsException($"Too many failed logins for this user or from this address; try again in {Durations.Format(TimeSpan.FromSeconds(Durations.WholeSeconds(wait)))}.", wait);
                }

                taken.Add(entry);
            }

            var principal = await access.AuthenticatePasswordAsync(user, password, context.RequestAborted).ConfigureAwait(false);
            foreach (var entry in taken)
            {
                Finish(entry, principal is not null);
            }

            taken.Clear();
            if (principal is null)
            {
                audit.Write("auth.failed", user, from, $"{how} {Describe(context)}", "failed");
            }

            return principal;
        }
        finally
        {
            // Refused on the second key, or the check itself failed (the request was cancelled): the reservations go back
            // without counting as failures.
            foreach (var entry in taken)
            {
                Release(entry);
            }
        }
    }

    private static string Describe(HttpContext context) => $"{context.Request.Method} {context.Request.Path}";

    // The client's address without its port (each connection has another), or the Unix peer's uid.
    private static string AddressOf(HttpContext context) =>
        context.Features.Get<PeerCredentials>() is { } peer ? $"unix:uid={peer.UserId}"
        : context.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()
        : "unix";

    // Reserves an attempt on key: its entry, or the wait until an attempt is allowed. While as many attempts as may still
    // fail are being checked, the next waits for one of them to end (a client sending a few requests at once with basic
    // auth is served, only later); a burst of guesses is checked no faster than one guess after another.
    private async ValueTask<(Entry? Entry, TimeSpan Wait)> TakeAsync(string key, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = time.GetUtcNow();
            var entry = _entries.GetOrAdd(key, static _ => new Entry());
            Task? freed = null;
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // swept away just now: take the new one
                }

                entry.LastSeen = now;
                if (entry.BlockedUntil > now)
                {
                    return (null, entry.BlockedUntil - now);
                }

                // Below the limit, as many attempts as may still fail; past it (a wait has passed), one at a time.
                var allowed = entry.Failures < settings.Options.MaxFailedLogins ? settings.Options.MaxFailedLogins - entry.Failures : 1;
                if (entry.InFlight < allowed)
                {
                    entry.InFlight++;
                }
                else if (entry.Waiting >= MaxWaiting)
                {
                    return (null, TimeSpan.FromSeconds(1));
                }
                else
                {
                    entry.Waiting++;
                    freed = (entry.Freed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }

            if (freed is null)
            {
                SweepSometimes(now);
                return (entry, TimeSpan.Zero);
            }

            try
            {
                await freed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                lock (entry)
                {
                    entry.Waiting--;
                }
            }
        }
    }

    private void Finish(Entry entry, bool succeeded)
    {
        var now = time.GetUtcNow();
        lock (entry)
        {
            entry.InFlight = Math.Max(0, entry.InFlight - 1);
            entry.WakeWaiters();
            entry.LastSeen = now;
            if (succeeded)
            {
                entry.Failures = 0;
                entry.BlockedUntil = DateTimeOffset.MinValue;
            }
            else
            {
                entry.Failures++;
                var over = entry.Failures - settings.Options.MaxFailedLogins;
                if (over >= 0)
                {
                    var wait = over >= 20 ? AuthSettings.MaxLoginBackoff : settings.LoginBackoff * (1L << over);
                    entry.BlockedUntil = now + (wait > AuthSettings.MaxLoginBackoff ? AuthSettings.MaxLoginBackoff : wait);
                }
            }
        }
    }

    private static void Release(Entry entry)
    {
        lock (entry)
        {
            entry.InFlight = Math.Max(0, entry.InFlight - 1);
            entry.WakeWaiters();
        }
    }

    // Drops what no longer matters (no failures left to remember: idle past the longest wait) every so many attempts, and
    // whenever the table is full.
    private void SweepSometimes(DateTimeOffset now)
    {
        if (Interlocked.Decrement(ref _sweepCountdown) > 0 && _entries.Count < MaxEntries)
        {
            return;
        }

        Interlocked.Exchange(ref _sweepCountdown, 1024);
        var idle = AuthSettings.MaxLoginBackoff * 2;
        foreach (var (key, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.InFlight == 0 && entry.Waiting == 0 && (entry.Failures == 0 || (now - entry.LastSeen > idle && entry.BlockedUntil <= now)))
                {
                    entry.Removed = _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                }
            }
        }

        // Still full (a flood from very many addresses): forget the ones not waiting out a block, oldest first.
        if (_entries.Count >= MaxEntries)
        {
            foreach (var (key, entry) in _entries.OrderBy(e => e.Value.LastSeen).Take(_entries.Count - (MaxEntries * 3 / 4)))
            {
                lock (entry)
                {
                    if (entry.InFlight == 0 && entry.Waiting == 0 && entry.BlockedUntil <= now)
                    {
                        entry.Removed = _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                    }
                }
            }
        }
    }

    private sealed class Entry
    {
        public int Failures { get; set; }

        public int InFlight { get; set; }

        public DateTimeOffset BlockedUntil { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset LastSeen { get; set; }

        public bool Removed { get; set; }

        public int Waiting { get; set; }

        // Completed when an attempt ends, for the ones waiting to take its place; made anew by the next waiter.
        public TaskCompletionSource? Freed { get; set; }

        public void WakeWaiters()
        {
            Freed?.TrySetResult();
            Freed = null;
        }
    }
}
