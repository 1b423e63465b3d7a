using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Client;

/// <summary>
/// Leadership of an election (from <see cref="CairnClient.CampaignAsync"/>). Dispose it to resign.
/// </summary>
/// <remarks>
/// <para>Leadership can end behind the leader's back (its session expired while it was paused) and another candidate
/// lead. <see cref="Lost"/> fires when the session behind it ends or its key goes: stop acting as leader. A write only
/// the leader may make is fenced with <see cref="Guard"/> (or by a resource that refuses a <see cref="Token"/> lower than
/// one it has seen).</para>
/// <para>Concurrency: every member is safe to call from any thread; <see cref="DisposeAsync"/> is idempotent.</para>
/// </remarks>
public sealed class Leadership : IAsyncDisposable
{
    private readonly CairnClient _client;
    private readonly HandleLife _life;
    private LeaderDto _leader;

    internal Leadership(CairnClient client, LeaderDto leader, HandleLife life)
    {
        _client = client;
        _life = life;
        _leader = leader;
        life.RunUntilLost(ct => client.WaitUntilGoneAsync(leader.Key, leader.Token, ct));
    }

    /// <summary>The election's name.</summary>
    public string Name => _leader.Name;

    /// <summary>The candidate's key: it leads while the key exists with <see cref="Token"/> as its create revision.</summary>
    public string Key => _leader.Key;

    /// <summary>The leadership's fencing token: larger for every later leader.</summary>
    public long Token => _leader.Token;

    /// <summary>The value proclaimed last.</summary>
    public string Value => Volatile.Read(ref _leader).Value;

    /// <summary>The session the leadership lives under.</summary>
    public CairnSession Session => _life.Session;

    /// <summary>Fires when the leadership is lost: its session ended, or its key was deleted. Never on a resignation.</summary>
    public CancellationToken Lost => _life.Lost;

    /// <summary>True once <see cref="Lost"/> has fired.</summary>
    public bool IsLost => _life.IsLost;

    /// <summary>Completes (never faults) when the leadership ends: lost or resigned.</summary>
    public Task Closed => _life.Closed;

    /// <summary>The compare that holds only while this leadership stands, for a transaction only the leader may run.</summary>
    public Compare Guard => Compare.CreateRevision(Key, CompareResult.Equal, Token);

    /// <summary>Proclaims a new value (observers see it).</summary>
    /// <param name="value">The new value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ConflictException">This leadership no longer leads; nothing was written.</exception>
    public async Task ProclaimAsync(string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var leader = await _client.ProclaimAsync(Name, new LeadershipDto { Key = Key, Token = Token, Value = value }, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _leader, leader);
    }

    /// <summary>Resigns (the next candidate leads) and ends a session the leadership created. Same as <see cref="DisposeAsync"/>.</summary>
    public ValueTask ResignAsync() => DisposeAsync();

    /// <summary>Resigns (unless lost already) and ends a session the leadership created. Idempotent.</summary>
    public ValueTask DisposeAsync() => _life.DisposeAsync(() => _client.ResignAsync(Name, new LeadershipDto { Key = Key, Token = Token }));
}
