namespace Cairn.Server.Tests;

/// <summary><see cref="PulzarSeedContractTests"/> on the embedded SQLite store.</summary>
public sealed class PulzarSeedContractSqliteTests : PulzarSeedContractTests
{
    protected override string Backend => "sqlite";

    // SQLite's default page size, which the store keeps.
    protected override long? PageSize => 4096;

    protected override Task<IReadOnlyDictionary<string, string?>> BackendSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());
}
