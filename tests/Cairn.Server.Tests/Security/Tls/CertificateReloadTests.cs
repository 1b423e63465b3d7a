using System.Diagnostics;

namespace Cairn.Server.Tests.Security.Tls;

/// <summary>A certificate replaced on disk is served to new connections without a restart; files that cannot be used
/// (half-written, garbage) leave the previous certificate in service.</summary>
public sealed class CertificateReloadTests : IAsyncLifetime
{
    private readonly TlsServer _tls = new();

    public Task InitializeAsync() => _tls.StartAsync();

    public Task DisposeAsync() => _tls.DisposeAsync().AsTask();

    [Fact]
    public async Task RotatedCertificate_IsServedWithoutRestart()
    {
        var before = (await _tls.HandshakeAsync()).Certificate.SerialNumber;
        Assert.Equal(_tls.ServerCertificate.Certificate.SerialNumber, before);

        var rotated = _tls.Ca.IssueServer(); // same files, new key and serial, written atomically
        Assert.NotEqual(before, rotated.Certificate.SerialNumber);

        await Eventually.UntilAsync(
            async () => (await _tls.HandshakeAsync()).Certificate.SerialNumber == rotated.Certificate.SerialNumber,
            TimeSpan.FromSeconds(60),
            "new connections are served the rotated certificate");
        using var client = _tls.Client();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task UnusableFiles_KeepThePreviousCertificateInService_UntilGoodOnesArrive()
    {
        var serving = _tls.ServerCertificate.Certificate.SerialNumber;

        // A certificate file cut in the middle (as a copy in progress leaves it).
        var pem = await File.ReadAllTextAsync(_tls.ServerCertificate.CertFile);
        await File.WriteAllTextAsync(_tls.ServerCertificate.CertFile, pem[..(pem.Length / 2)]);

        // Well past the once-a-second check, every handshake still gets the previous certificate.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3))
        {
            Assert.Equal(serving, (await _tls.HandshakeAsync()).Certificate.SerialNumber);
        }

        var rotated = _tls.Ca.IssueServer();
        await Eventually.UntilAsync(
            async () => (await _tls.HandshakeAsync()).Certificate.SerialNumber == rotated.Certificate.SerialNumber,
            TimeSpan.FromSeconds(60),
            "the good files replacing the broken ones are served");
    }
}
