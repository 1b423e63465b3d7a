using Cairn.Core;
using Cairn.Storage.Etcd;

namespace Cairn.Testing;

/// <summary>
/// The etcd backend locked down as an operator would: etcd serves TLS with a certificate of a CA the test makes, asks
/// every client for a certificate of that CA (<c>--client-cert-auth</c>), and has its authentication on, with a root
/// user and a user <see cref="User"/> that may read and write every key (not root). Its stores connect as that user,
/// with the CA file and a client certificate. One etcd per test assembly, shared like <see cref="EtcdBackend"/>'s
/// through the xunit collection <see cref="Collection"/>, and emptied before each store is handed out.
/// </summary>
public sealed class SecureEtcdBackend : Backend
{
    /// <summary>The name of the xunit collection whose fixture is the assembly's secured etcd.</summary>
    public const string Collection = "etcd-secure";

    /// <summary>The etcd user the stores connect as.</summary>
    public const string User = "cairn";

    /// <summary>Its password.</summary>
    public const string Password = "cairn-etcd-password";

    /// <summary>The password of etcd's root user.</summary>
    public const string RootPassword = "root-etcd-password";

    private EtcdServer? _server;
    private EtcdKeyspace? _admin;

    /// <inheritdoc />
    public override string Name => "etcd (TLS, client certificates, users)";

    /// <inheritdoc />
    /// <remarks>False: the shared etcd keeps its revision and compaction point from test to test.</remarks>
    public override bool EmptyStoresAreNew => false;

    /// <summary>The CA of etcd's certificate and of the client certificates it accepts.</summary>
    public TestCertificates Authority { get; private set; } = null!;

    /// <summary>A client certificate of <see cref="Authority"/> with CN <see cref="User"/>.</summary>
    public TestCertificateFiles ClientCertificate { get; private set; } = null!;

    /// <summary>The shared etcd's client URL (<c>https://127.0.0.1:PORT</c>).</summary>
    public string Endpoint => Server.Endpoint;

    private EtcdServer Server => _server ?? throw new InvalidOperationException("The secured etcd has not started (is the class in its collection?).");

    private EtcdKeyspace Admin => _admin ?? throw new InvalidOperationException("The secured etcd has not started (is the class in its collection?).");

    /// <summary>The options a store of this backend connects with: the endpoint, the CA, the client certificate, the user.</summary>
    public EtcdKeyspaceOptions Options => new()
    {
        Endpoints = [Endpoint],
        CaFile = Authority.CaFile,
        CertFile = ClientCertificate.CertFile,
        KeyFile = ClientCertificate.KeyFile,
        Username = User,
        Password = Password,
        RequestTimeout = EtcdBackend.RequestTimeout,
    };

    /// <summary>An administrator of etcd's users (as root, over TLS); the caller disposes it.</summary>
    public EtcdAuthAdmin CreateAuthAdmin() => new(Endpoint, RootPassword, Authority, ClientCertificate);

    /// <summary>Makes the CA and certificates, starts etcd with TLS and turns its authentication on.</summary>
    public override async Task InitializeAsync()
    {
        Authority = TestCertificates.CreateInTemp("etcd test CA");
        var serverCertificate = Authority.IssueServer("etcd");
        ClientCertificate = Authority.IssueClient(User);
        _server = await EtcdServer.StartAsync(tls: new EtcdServerTls(Authority, serverCertificate, ClientCertificate));
        using (var admin = CreateAuthAdmin())
        {
            await admin.EnableAsync(User, Password);
        }

        _admin = await EtcdKeyspace.ConnectAsync(Options);
    }

    /// <summary>Stops etcd and removes its data and the certificates.</summary>
    public override async Task DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (Authority is not null)
        {
            Authority.Dispose();
            Authority.DeleteDirectory();
        }
    }

    /// <summary>Empties the shared etcd, then connects a new client to it as <see cref="User"/>; the caller disposes it.</summary>
    /// <param name="scratchDirectory">Not used: etcd keeps its data itself.</param>
    /// <param name="cancellationToken">Cancels the emptying and the connecting.</param>
    public override async Task<IKeyspace> OpenEmptyAsync(string scratchDirectory, CancellationToken cancellationToken = default)
    {
        await EmptyAsync(cancellationToken);
        return await EtcdKeyspace.ConnectAsync(Options, cancellationToken: cancellationToken);
    }

    /// <summary>Revokes every lease and deletes every key of the shared etcd (its users and roles stay).</summary>
    public Task EmptyAsync(CancellationToken cancellationToken = default) => EtcdBackend.EmptyAsync(Admin, "secured etcd", cancellationToken);
}
