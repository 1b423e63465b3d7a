using Cairn.Core;
using Cairn.EtcdApi.Etcdserverpb;
using Cairn.Storage.Space;
using Grpc.Core;

namespace Cairn.Server.EtcdApi;

/// <summary>
/// etcd's Maintenance service, as far as a single Cairn server has an answer: <c>Status</c> (what <c>etcdctl endpoint
/// status</c> prints) and <c>Alarm</c> (the "no space" alarm, which <c>etcdctl endpoint health</c> and <c>alarm list</c>
/// read). Defragmentation, hashes, snapshots over gRPC, leader moves and downgrades are not Cairn's: they answer
/// Unimplemented and say what to use instead.
/// </summary>
internal sealed class EtcdMaintenanceService(IKeyspace store, EtcdIdentity identity, SpaceAlarm alarm, CairnOptions options) : Maintenance.MaintenanceBase
{
    /// <summary>The etcd version reported. etcdctl prints it (<c>endpoint status</c>) and clients compare it with the
    /// features they need (clientv3 refuses some calls below 3.x); 3.6.0 is the API these types come from.</summary>
    public const string Version = "3.6.0";

    public override async Task<StatusResponse> Status(StatusRequest request, ServerCallContext context)
    {
        var status = await store.StatusAsync(context.CancellationToken).ConfigureAwait(false);

        // etcdctl endpoint status prints the version, the database size (and size in use), whether this member is the
        // leader (leader == member_id), the raft term and raft index and the errors; the applied index is the revision,
        // as every write is applied when it is acknowledged.
        var response = new StatusResponse
        {
            Header = identity.Header(status.Revision),
            Version = Version,
            StorageVersion = Version,
            DbSize = status.SizeBytes,
            DbSizeInUse = status.SizeBytes,
            DbSizeQuota = options.Limits.QuotaBytes,
            Leader = identity.MemberId,
            RaftIndex = (ulong)status.Revision,
            RaftAppliedIndex = (ulong)status.Revision,
            RaftTerm = EtcdIdentity.RaftTerm,
        };
        if (alarm.IsRaised)
        {
            response.Errors.Add($"memberID:{identity.MemberId} alarm:{AlarmType.Nospace.ToString().ToUpperInvariant()}");
        }

        return response;
    }

    public override async Task<AlarmResponse> Alarm(AlarmRequest request, ServerCallContext context)
    {
        if (request.Action != AlarmRequest.Types.AlarmAction.Get)
        {
            throw EtcdErrors.Unimplemented("Alarm " + request.Action, "Cairn raises its \"no space\" alarm itself and clears it once space is back (Limits:QuotaBytes, Limits:MinFreeBytes).");
        }

        var status = await store.StatusAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new AlarmResponse { Header = identity.Header(status.Revision) };
        if (alarm.IsRaised && request.Alarm is AlarmType.None or AlarmType.Nospace && (request.MemberID == 0 || request.MemberID == identity.MemberId))
        {
            response.Alarms.Add(new AlarmMember { MemberID = identity.MemberId, Alarm = AlarmType.Nospace });
        }

        return response;
    }

    public override Task<DefragmentResponse> Defragment(DefragmentRequest request, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("Defragment", "Cairn's embedded store reclaims space itself after a compaction.");

    public override Task<HashResponse> Hash(HashRequest request, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("Hash", "there is one member, so nothing to compare a hash with.");

    public override Task<HashKVResponse> HashKV(HashKVRequest request, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("HashKV", "there is one member, so nothing to compare a hash with.");

    public override Task Snapshot(SnapshotRequest request, IServerStreamWriter<SnapshotResponse> responseStream, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("Snapshot", "take a snapshot with cairn snapshot save (GET /v1/snapshot).");

    public override Task<MoveLeaderResponse> MoveLeader(MoveLeaderRequest request, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("MoveLeader", "a Cairn server is the only member of its etcd cluster.");

    public override Task<DowngradeResponse> Downgrade(DowngradeRequest request, ServerCallContext context) =>
        throw EtcdErrors.Unimplemented("Downgrade", "Cairn has no storage versions to downgrade.");
}
