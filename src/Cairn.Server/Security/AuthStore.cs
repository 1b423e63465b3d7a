using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cairn.Contracts;
using Cairn.Core;

namespace Cairn.Server.Security;

/// <summary>
/// The auth settings in the keyspace, under <c>/cairn/auth/</c> (<see cref="AuthKeys"/>): users (password as a bcrypt
/// hash), roles, API tokens and login sessions (only a SHA-256 of each token), the node credential and the on/off switch.
/// Every change is one transaction, and returns only once this node's <see cref="AccessControl"/> has applied it.
/// </summary>
/// <remarks>Names are checked (<see cref="AuthNames"/>); an unknown user or role is <see cref="Core.NotFoundException"/>,
/// a duplicate or a change that would lock everyone out (removing root while on) <see cref="Core.ConflictException"/>.
/// A change reads what it changes and commits only if none of it changed meanwhile (a compare of each key's mod
/// revision), else reads again: two nodes changing the same user at once both take effect, none is lost.</remarks>
internal sealed partial class AuthStore
{
    /// <summary>The built-in role that grants everything; it is not stored and cannot be changed or removed.</summary>
    public const string RootRole = "root";

    /// <summary>The user that must exist, with <see cref="RootRole"/>, before auth can be turned on.</summary>
    public const string RootUser = "root";

    /// <summary>The longest label of an API token.</summary>
    public const int MaxTokenNameLength = 256;

    // How often a change is tried again when what it read changed before it committed.
    private const int Attempts = 20;

    private readonly IKeyspace _store;
    private readonly AccessControl _access;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _maxApiTokenTtl;

    /// <summary>Keeps the settings in <paramref name="store"/>; <paramref name="access"/> is this node's copy of them.</summary>
    /// <exception cref="StartupException"><see cref="AuthOptions.MaxApiTokenTtl"/> is not a duration.</exception>
    public AuthStore(IKeyspace store, AccessControl access, TimeProvider time, AuthOptions options)
    {
        _store = store;
        _access = access;
        _time = time;
        if (options.MaxApiTokenTtl is { } max)
        {
            if (!Durations.TryParse(max, out var ttl) || ttl <= TimeSpan.Zero)
            {
                throw new StartupException($"Auth:MaxApiTokenTtl '{max}' is not a positive duration: write {Durations.Forms}.");
            }

            _maxApiTokenTtl = ttl;
        }
    }

    /// <summary>Turns auth on; refused (409) unless user <c>root</c> exists with role <c>root</c>. Creates the node credential
    /// the first time.</summary>
    public async ValueTask EnableAsync(CancellationToken cancellationToken) =>
        await ChangeAsync<object?>(async ct =>
        {
            var root = await ReadAsync(AuthKeys.Users + RootUser, AuthJson.Default.UserRecord, ct).ConfigureAwait(false);
            if (root.Record is null || !root.Record.Roles.Contains(RootRole))
            {
                throw new ConflictException(
                    "Auth cannot be enabled without a root user that has the root role: add it with `cairn user add root` and " +
                    "`cairn user grant-role root root`, then `cairn auth enable`.");
            }

            var enabled = await ReadRawAsync(AuthKeys.Enabled, ct).ConfigureAwait(false);
            var node = await ReadRawAsync(AuthKeys.NodeToken, ct).ConfigureAwait(false);
            var plan = new Plan<object?>(null);
            plan.Unchanged(AuthKeys.Users + RootUser, root.ModRevision);
            if (enabled is null)
            {
                plan.Unchanged(AuthKeys.Enabled, 0);
                plan.Put(AuthKeys.Enabled, "on"u8.ToArray());
            }

            if (node is null || BearerTokens.KindOf(Encoding.UTF8.GetString(node.Value.Span)) != TokenKinds.Node)
            {
                plan.Unchanged(AuthKeys.NodeToken, node?.ModRevision ?? 0);
                plan.Put(AuthKeys.NodeToken, Encoding.UTF8.GetBytes(BearerTokens.New(TokenKinds.Node)));
            }

            return plan;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Turns auth off: every caller may do anything again.</summary>
    public async ValueTask DisableAsync(CancellationToken cancellationToken) =>
        await ChangeAsync<object?>(async ct =>
        {
            var plan = new Plan<object?>(null);
            if (await ReadRawAsync(AuthKeys.Enabled, ct).ConfigureAwait(false) is { } enabled)
            {
                plan.Unchanged(AuthKeys.Enabled, enabled.ModRevision);
                plan.Delete(AuthKeys.Enabled);
            }

            return plan;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Whether auth is on, as stored now (not this node's copy).</summary>
    public async ValueTask<bool> IsEnabledAsync(CancellationToken cancellationToken) =>
        await ReadRawAsync(AuthKeys.Enabled, cancellationToken).ConfigureAwait(false) is not null;

    // One change: plan it from what is read now, commit it if nothing read changed meanwhile, else plan it again.
    private async ValueTask<T> ChangeAsync<T>(Func<CancellationToken, ValueTask<Plan<T>>> planning, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var plan = await planning(cancellationToken).ConfigureAwait(false);
            if (plan.Ops.Count == 0)
            {
                return plan.Result;
            }

            var result = await _store.TxnAsync(new TxnRequest(plan.Compares, plan.Ops, []), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                await _access.WaitForRevisionAsync(result.Revision, cancellationToken).ConfigureAwait(false);
                return plan.Result;
            }

            if (plan.OnConflict is { } undo)
            {
                await undo(cancellationToken).ConfigureAwait(false);
            }
        }

        throw new ConflictException("The auth settings kept changing while this change was being made; try again.");
    }

    private async ValueTask<KeyValue?> ReadRawAsync(string key, CancellationToken cancellationToken)
    {
        var read = await _store.RangeAsync(new RangeRequest(KeyRange.Single(key)), cancellationToken).ConfigureAwait(false);
        return read.Kvs.Count > 0 ? read.Kvs[0] : null;
    }

    private async ValueTask<Stored<T>> ReadAsync<T>(string key, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var kv = await ReadRawAsync(key, cancellationToken).ConfigureAwait(false);
        return kv is null ? new Stored<T>(null, 0, 0) : new Stored<T>(AuthJson.Decode(kv.Value.Span, type), kv.ModRevision, kv.CreateRevision);
    }

    private async ValueTask<List<Stored<T>>> ReadAllAsync<T>(string prefix, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var read = await _store.RangeAsync(new RangeRequest(KeyRange.Prefix(prefix)), cancellationToken).ConfigureAwait(false);
        return [.. read.Kvs
            .Where(kv => kv.Key.IndexOf('/', prefix.Length) < 0)
            .Select(kv => new Stored<T>(AuthJson.Decode(kv.Value.Span, type), kv.ModRevision, kv.CreateRevision))
            .Where(s => s.Record is not null)];
    }

    private static byte[] Encode<T>(T record, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(record, type);

    /// <summary>A record as read, with its key's revisions (0 when absent).</summary>
    private readonly record struct Stored<T>(T? Record, long ModRevision, long CreateRevision)
        where T : class;

    /// <summary>A change planned from what was read: its compares, its ops, and what to answer once committed.</summary>
    private sealed class Plan<T>(T result)
    {
        public List<Compare> Compares { get; } = [];

        public List<KvRequest> Ops { get; } = [];

        public T Result { get; set; } = result;

        /// <summary>What to undo when the commit fails (a lease granted for it).</summary>
        public Func<CancellationToken, ValueTask>? OnConflict { get; set; }

        /// <summary>Commit only if <paramref name="key"/> still has mod revision <paramref name="modRevision"/> (0: absent).</summary>
        public void Unchanged(string key, long modRevision) => Compares.Add(Compare.ModRevision(key, CompareResult.Equal, modRevision));

        public void Put(string key, byte[] value, long lease = 0) => Ops.Add(new PutRequest(key, value) { Lease = lease });

        public void Delete(string key) => Ops.Add(new DeleteRequest(KeyRange.Single(key)));
    }
}
