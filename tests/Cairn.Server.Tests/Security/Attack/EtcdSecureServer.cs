namespace Cairn.Server.Tests.Security.Attack;

/// <summary>A <see cref="SecureServer"/> on the assembly's etcd, emptied before the server starts (its classes are in the
/// etcd collection, so one runs at a time).</summary>
public sealed class EtcdSecureServer(EtcdBackend etcd) : SecureServer(null)
{
    public override string Backend => "etcd";

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() => SecureBackends.EtcdAsync(etcd);
}
