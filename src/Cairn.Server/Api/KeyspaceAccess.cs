using System.Runtime.CompilerServices;
using Cairn.Contracts;
using Cairn.Core;
using Cairn.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cairn.Server.Api;

/// <summary>
/// The key checks of the keyspace API, as etcd makes them: a read needs <c>read</c> on every key of its range, a put
/// <c>write</c> on its key, a delete <c>write</c> on its range (and <c>read</c> when it returns the previous values), a txn
/// all of that for every op of both branches and <c>read</c> for every key it compares, all checked before it runs. A
/// watch needs <c>read</c> on its whole range, and its events are filtered against the caller's current permissions as
/// they go out.
/// </summary>
internal static class KeyspaceAccess
{
    /// <summary>The action that reads keys.</summary>
    public const string Read = "read";

    /// <summary>The action that writes keys.</summary>
    public const string Write = "write";

    /// <summary>Refuses the txn unless the caller may do everything it could do, whichever branch runs.</summary>
    /// <exception cref="PermissionDeniedException">A key it compares, reads or writes is not the caller's to.</exception>
    public static void DemandTxn(HttpContext context, TxnRequest txn)
    {
        if (!Caller.Of(context).IsRestricted)
        {
            return;
        }

        foreach (var compare in txn.Compares)
        {
            Caller.DemandRange(context, KeyRange.Single(compare.Key), Read);
        }

        foreach (var op in txn.Success.Concat(txn.Failure))
        {
            DemandOp(context, op);
        }
    }

    /// <summary>Refuses <paramref name="op"/> unless the caller may do it.</summary>
    public static void DemandOp(HttpContext context, KvRequest op)
    {
        switch (op)
        {
            case RangeRequest range:
                Caller.DemandRange(context, range.Range, Read);
                break;
            case PutRequest put:
                Caller.DemandRange(context, KeyRange.Single(put.Key), Write);
                if (put.PrevKv)
                {
                    Caller.DemandRange(context, KeyRange.Single(put.Key), Read);
                }

                break;
            case DeleteRequest delete:
                Caller.DemandRange(context, delete.Range, Write);
                if (delete.PrevKvs)
                {
                    Caller.DemandRange(context, delete.Range, Read);
                }

                break;
            default:
                // An op this check does not know (a nested txn, one day) is refused rather than let through unchecked.
                throw Caller.Refuse(context, AuthResources.Kv, Write, op.GetType().Name);
        }
    }

    /// <summary>Whether the caller may read a key now; null when the caller is unrestricted (auth off), so that a stream
    /// skips the check. It holds the caller and the decision point, not the request: a socket's watches may still run it
    /// as the request ends.</summary>
    public static Func<string, bool>? EventFilter(HttpContext context)
    {
        var caller = Caller.Of(context);
        if (!caller.IsRestricted)
        {
            return null;
        }

        var access = context.RequestServices.GetRequiredService<AccessControl>();
        return key => access.AllowsRange(caller, KeyRange.Single(key), Read);
    }

    /// <summary>The responses of a watch with only the events the caller may read (checked at each event, so that a
    /// permission taken away mid-stream stops them at once); a response left with none is not sent, a progress
    /// notification (no events to begin with) is.</summary>
    public static async IAsyncEnumerable<WatchResponse> FilterAsync(IAsyncEnumerable<WatchResponse> responses, Func<string, bool>? canRead, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var response in responses.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (Filter(response, canRead) is { } allowed)
            {
                yield return allowed;
            }
        }
    }

    /// <summary><paramref name="response"/> with only the events <paramref name="canRead"/> allows; null when it had
    /// events and none is left.</summary>
    public static WatchResponse? Filter(WatchResponse response, Func<string, bool>? canRead)
    {
        if (canRead is null || response.IsProgressNotify || response.Events.All(e => canRead(e.Kv.Key)))
        {
            return response;
        }

        var allowed = response.Events.Where(e => canRead(e.Kv.Key)).ToList();
        return allowed.Count == 0 ? null : response with { Events = allowed };
    }
}
