namespace Cairn.Testing;

/// <summary>
/// A standalone ZooKeeper that serves TLS on its secure client port and wants a client certificate of its CA
/// (<c>ssl.clientAuth=need</c>), with the CA, a client certificate (CN <c>cairn</c>) and an unrelated second CA made
/// for it: an xunit class fixture, for the tests of one class.
/// </summary>
public sealed class ZooKeeperTlsFixture : IAsyncLifetime
{
    /// <summary>The CA of the server's certificate, and the only one whose client certificates it accepts.</summary>
    public TestCertificates Authority { get; private set; } = null!;

    /// <summary>A CA the server does not know.</summary>
    public TestCertificates Other { get; private set; } = null!;

    /// <summary>A client certificate of <see cref="Authority"/>, CN <c>cairn</c>.</summary>
    public TestCertificateFiles Client { get; private set; } = null!;

    /// <summary>The server; <see cref="ZooKeeperEnsemble.SecureConnectString"/> is its TLS port.</summary>
    public ZooKeeperEnsemble Ensemble { get; private set; } = null!;

    /// <summary>Makes the certificates and starts the server.</summary>
    public async Task InitializeAsync()
    {
        Authority = TestCertificates.CreateInTemp("ZooKeeper test CA");
        Other = Authority.CreateUnrelated();
        Client = Authority.IssueClient("cairn");
        Ensemble = await ZooKeeperEnsemble.StartAsync(tls: new ZooKeeperServerTls(Authority, Authority.IssueServer("zookeeper")));
    }

    /// <summary>Stops the server and removes its data and the certificates.</summary>
    public async Task DisposeAsync()
    {
        if (Ensemble is not null)
        {
            await Ensemble.DisposeAsync();
        }

        if (Authority is not null)
        {
            Other.Dispose();
            Authority.Dispose();
            Authority.DeleteDirectory();
        }
    }
}
