using Cairn.Server.Hosting;
using Cairn.Server.Modules.Carts;
using Microsoft.Extensions.Configuration;

namespace Cairn.Server.Tests.Carts;

/// <summary>The seed's environment variables and size syntax, and start-up errors that name the setting.</summary>
public sealed class CartSettingsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cairn-carts-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheSeedsVariables_MapToCartsSettings_BelowCairnsOwn()
    {
        var environment = new Dictionary<string, string?>
        {
            ["VOLUME_PATH"] = "/srv/carts",
            ["TRANSFER_SIZE"] = "8 Mb",
            ["LRU_BUFFER_TIME"] = "3600",
            ["LRU_PURGE"] = "off",
            ["BUNDLE_TASK"] = "on",
            ["ARCHIVE_INTERFACE_URL"] = "http://archive:8080/",
        };
        var configuration = new ConfigurationManager();
        HostSettings.ConfigureSources(configuration, [], new Dictionary<string, string?> { ["Carts:TransferSize"] = "1 MB" }, environment);

        Assert.Equal("/srv/carts", configuration["Carts:Directory"]);
        Assert.Equal("3600", configuration["Carts:LruBufferTime"]);
        Assert.Equal("off", configuration["Carts:LruPurge"]);
        Assert.Equal("on", configuration["Carts:BundleTask"]);
        Assert.Equal("http://archive:8080/", configuration["Carts:ArchiveUrl"]);

        // A flag wins over the seed's variable; so does any CAIRN_* variable, whose source comes after.
        Assert.Equal("1 MB", configuration["Carts:TransferSize"]);
        var sources = configuration.Sources.ToList();
        var seed = sources.FindIndex(s => s is Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource m && m.InitialData?.Any(d => d.Key == "Carts:Directory") == true);
        var cairn = sources.FindIndex(s => s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource e && e.Prefix == "CAIRN_");
        Assert.InRange(seed, 0, cairn - 1);
    }

    [Theory]
    [InlineData("4 Mb", 4L << 20)]
    [InlineData("4 MB", 4_000_000L)]
    [InlineData("4Mb", 4L << 20)]
    [InlineData("1.5 Kb", 1536L)]
    [InlineData("1 Gb", 1L << 30)]
    [InlineData("512 B", 512L)]
    [InlineData("1048576", 1048576L)]
    public void Sizes_ReadAsTheSeedsParseSize(string text, long bytes)
    {
        Assert.True(CartSizes.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("4 mb")]
    [InlineData("4 XB")]
    [InlineData("-1")]
    [InlineData("Mb")]
    [InlineData("")]
    public void NotASize_IsRefused(string text) => Assert.False(CartSizes.TryParse(text, out _));

    [Theory]
    [InlineData("Carts:TransferSize", "4 mb", "Carts:TransferSize")]
    [InlineData("Carts:TransferSize", "0", "Carts:TransferSize")]
    [InlineData("Carts:LruPurge", "maybe", "Carts:LruPurge")]
    [InlineData("Carts:BundleTask", "2", "Carts:BundleTask")]
    [InlineData("Carts:PollInitial", "soon", "Carts:PollInitial")]
    [InlineData("Carts:ClaimTtl", "500ms", "Carts:ClaimTtl")]
    [InlineData("Carts:ArchiveUrl", "ftp://x", "Carts:ArchiveUrl")]
    [InlineData("Carts:Archive", "tape", "Carts:Archive")]
    [InlineData("Carts:ArchiveDirectory", "/nonexistent/cairn", "Carts:ArchiveDirectory")]
    [InlineData("Carts:Parallelism", "0", "Carts:Parallelism")]
    public async Task ABadSetting_IsAStartupError_NamingIt(string setting, string value, string named)
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { [setting] = value }));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnusableVolumeDirectory_IsAStartupError_NamingCartsDirectory()
    {
        var file = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { ["Carts:Directory"] = file }));
        Assert.Contains("Carts:Directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task ASharedVolumeDirectory_LikeTheSeedsDefaultTmp_IsRefusedAndLeftAsItWas()
    {
        var shared = Path.Combine(_dir, "shared");
        Directory.CreateDirectory(shared);
        const UnixFileMode everyone = (UnixFileMode)0x3FF | UnixFileMode.StickyBit; // 1777, as /tmp
        File.SetUnixFileMode(shared, everyone);
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { ["Carts:Directory"] = shared }));
        Assert.Contains("Carts:Directory", error.Message, StringComparison.Ordinal);
        Assert.Contains("sticky", error.Message, StringComparison.Ordinal);
        Assert.Equal(everyone, File.GetUnixFileMode(shared));
    }

    [Fact]
    public async Task CartsListen_WithCartsOff_IsAStartupError()
    {
        var error = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { ["Carts:Enabled"] = "false", ["Carts:Listen:0"] = "http://127.0.0.1:0" }));
        Assert.Contains("Carts:Listen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSeedsVolumePath_IsWhereTheCartsGo()
    {
        var volume = Path.Combine(_dir, "seed-volume");
        var configuration = new ConfigurationManager();
        HostSettings.ConfigureSources(configuration, [], null, new Dictionary<string, string?> { ["VOLUME_PATH"] = volume, ["TRANSFER_SIZE"] = "1 Mb" });
        var overrides = configuration.AsEnumerable().Where(kv => kv.Key.StartsWith("Carts:", StringComparison.Ordinal) && kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        await using (await StartAsync(overrides))
        {
            Assert.True(File.Exists(Path.Combine(volume, "volume.id")));
        }
    }

    private Task<CairnServer> StartAsync(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["DataDir"] = Path.Combine(_dir, "data-" + Guid.NewGuid().ToString("N")[..6]),
            ["Durability"] = "None",
            ["Listen:0"] = "http://127.0.0.1:0",
            ["Jobs:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return CairnServer.StartAsync([], all);
    }
}
