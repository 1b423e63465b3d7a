namespace Cairn.Server.Tests.Security.Http;

/// <summary>Bad <c>Auth</c> settings stop the start with an error that names the setting.</summary>
public sealed class AuthSettingsTests
{
    [Theory]
    [InlineData("Auth:BcryptCost", "3", "Auth:BcryptCost")]
    [InlineData("Auth:BcryptCost", "32", "Auth:BcryptCost")]
    [InlineData("Auth:MaxFailedLogins", "0", "Auth:MaxFailedLogins")]
    [InlineData("Auth:TokenTtl", "soon", "Auth:TokenTtl")]
    [InlineData("Auth:TokenTtl", "0", "Auth:TokenTtl")]
    [InlineData("Auth:LoginBackoff", "10m", "Auth:LoginBackoff")]
    [InlineData("Auth:MaxApiTokenTtl", "-1d", "Auth:MaxApiTokenTtl")]
    [InlineData("Auth:RequestsPerSecond", "-1", "Auth:RequestsPerSecond")]
    [InlineData("Auth:MaxWatchesPerUser", "-5", "Auth:MaxWatchesPerUser")]
    [InlineData("Auth:AnonymousRole", ".hidden", "Auth:AnonymousRole")]
    [InlineData("Auth:ListenerRoles:nosuchapi", "reader", "Auth:ListenerRoles:nosuchapi")]
    [InlineData("Auth:UnixUsers:www-data", "bad name", "Auth:UnixUsers:www-data")]
    [InlineData("Auth:BcryptCost", "many", "Auth")]
    public async Task ABadSetting_IsAStartupErrorNamingIt(string setting, string value, string named)
    {
        var data = Path.Combine(Path.GetTempPath(), "cairn-auth-settings-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data,
                ["Durability"] = "None",
                ["Listen:0"] = "http://127.0.0.1:0",
                [setting] = value,
            }));
            Assert.Contains(named, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task AnAuditFileThatCannotBeOpened_IsAStartupErrorNamingIt()
    {
        var data = Path.Combine(Path.GetTempPath(), "cairn-auth-settings-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var error = await Assert.ThrowsAsync<StartupException>(() => CairnServer.StartAsync([], new Dictionary<string, string?>
            {
                ["DataDir"] = data,
                ["Durability"] = "None",
                ["Listen:0"] = "http://127.0.0.1:0",
                ["Auth:AuditFile"] = "/nonexistent-dir-for-cairn/audit.jsonl",
            }));
            Assert.Contains("Auth:AuditFile", error.Message, StringComparison.Ordinal);
            Assert.Contains("/nonexistent-dir-for-cairn/audit.jsonl", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
