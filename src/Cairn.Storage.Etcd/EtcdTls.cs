using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Cairn.Core;
using Cairn.Tls;
using Grpc.Core;

namespace Cairn.Storage.Etcd;

/// <summary>
/// TLS towards etcd: the CA that alone is trusted for the members' certificates (<see cref="EtcdKeyspaceOptions.CaFile"/>)
/// and the client certificate presented to them (<see cref="EtcdKeyspaceOptions.CertFile"/>), read once when the store
/// connects; and the words for a TLS failure, which waiting does not cure.
/// </summary>
internal static class EtcdTls
{
    /// <summary>The TLS options of the connection to etcd, from the files the options name.</summary>
    /// <exception cref="InvalidArgumentException">A file is missing, unreadable or not what it should be.</exception>
    public static SslClientAuthenticationOptions ClientOptions(EtcdKeyspaceOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.CaFile is { } caFile)
        {
            // Only the CA file's CAs are trusted, not the machine's; the certificate must still name the host dialled.
            ssl.RemoteCertificateValidationCallback = PemTls.TrustOnly(LoadAuthority(caFile));
        }

        if (options.CertFile is { } certFile)
        {
            ssl.ClientCertificateContext = LoadClientCertificate(certFile, options.KeyFile);
        }
        else if (options.KeyFile is not null)
        {
            throw new InvalidArgumentException($"etcd KeyFile '{options.KeyFile}' is set without CertFile; set the client certificate's file too.");
        }

        return ssl;
    }

    /// <summary>
    /// Finds out whether TLS is why the first https endpoint cannot be used, by a handshake of its own: null when the
    /// handshake works (or the endpoint cannot be reached at all), else what is wrong and what to check.
    /// </summary>
    /// <remarks>
    /// Over TLS 1.3 a server judges the client's certificate after the handshake, and its refusal reaches the client as
    /// an alert on the first read, or as a reset, which the HTTP/2 layer reports only as a connection that did not
    /// complete its handshake. So the probe first tries TLS 1.2, where the refusal is an alert within the handshake,
    /// and TLS 1.3 (with a first read) only when the server speaks nothing older.
    /// </remarks>
    public static async Task<string?> DiagnoseAsync(EtcdKeyspaceOptions options, SslClientAuthenticationOptions ssl, CancellationToken cancellationToken)
    {
        if (options.Endpoints.Select(e => new Uri(e)).FirstOrDefault(u => u.Scheme == Uri.UriSchemeHttps) is not { } endpoint)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.RequestTimeout);
        foreach (var protocols in new[] { SslProtocols.Tls12, SslProtocols.None })
        {
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return null; // not reachable: not a TLS problem
            }

            var stream = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await using (stream.ConfigureAwait(false))
            {
                var probe = new SslClientAuthenticationOptions
                {
                    TargetHost = endpoint.IdnHost,
                    EnabledSslProtocols = protocols,
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = ssl.RemoteCertificateValidationCallback,
                    ClientCertificateContext = ssl.ClientCertificateContext,
                };
                try
                {
                    await stream.AuthenticateAsClientAsync(probe, timeout.Token).ConfigureAwait(false);
                    if (protocols != SslProtocols.None)
                    {
                        return null; // the server took the client certificate (or wanted none) within the handshake
                    }

                    await stream.WriteAsync(Http2Preface, timeout.Token).ConfigureAwait(false);
                    return await stream.ReadAsync(new byte[64], timeout.Token).ConfigureAwait(false) > 0 ? null : Refused(options, "it closed the connection after the TLS handshake");
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException)
                {
                    var why = Innermost(ex);
                    if (protocols != SslProtocols.None && why.Contains("protocol version", StringComparison.OrdinalIgnoreCase))
                    {
                        continue; // the server speaks only TLS 1.3: ask again with it
                    }

                    if (ex is AuthenticationException && why.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal))
                    {
                        return NotTrusted(why);
                    }

                    var afterHandshake = stream.IsAuthenticated && ex is IOException && ex.InnerException is SocketException;
                    return why.Contains("alert", StringComparison.OrdinalIgnoreCase) || afterHandshake ? Refused(options, why) : null;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="ex"/> failed because TLS did: a member's certificate that the CA file does not vouch for,
    /// a client certificate etcd refused (or none where etcd wants one), or TLS spoken to a plain endpoint. Then
    /// <paramref name="message"/> says which, and what to check.
    /// </summary>
    public static bool IsTlsFailure(RpcException ex, out string message)
    {
        for (Exception? inner = ex.Status.DebugException ?? ex.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException authentication)
            {
                var why = Innermost(authentication);
                message = why.Contains("RemoteCertificateValidationCallback", StringComparison.Ordinal) ? NotTrusted(why) : $"TLS with etcd failed: {why}";
                return true;
            }

        }

        message = "";
        return false;
    }

    private static ReadOnlyMemory<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private static string NotTrusted(string why) =>
        $"etcd's TLS certificate is not trusted: it is not signed by the CA of CaFile, or not made out to the endpoint's host; check CaFile and the endpoints ({why}).";

    private static string Refused(EtcdKeyspaceOptions options, string why) => options.CertFile is null
        ? $"etcd refused the connection without a client certificate ({why}): it runs with --client-cert-auth; set CertFile and KeyFile to a client certificate signed by the CA etcd trusts (--trusted-ca-file)."
        : $"etcd refused the client certificate of CertFile '{options.CertFile}' ({why}): it must be signed by the CA etcd trusts (--trusted-ca-file), and be valid now.";

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex.Message.ReplaceLineEndings(" ").Trim();
    }

    private static X509Certificate2Collection LoadAuthority(string caFile) =>
        PemTls.ReadAuthorities(caFile, out var authority) is { } problem
            ? throw new InvalidArgumentException($"etcd CaFile '{caFile}' {problem}")
            : authority;

    private static SslStreamCertificateContext LoadClientCertificate(string certFile, string? keyFile)
    {
        if (PemTls.ReadCertificate(certFile, keyFile, out var certificate, out var intermediates) is { } problem)
        {
            var which = keyFile is null ? $"CertFile '{certFile}' (certificate and key in one file)" : $"CertFile '{certFile}' with KeyFile '{keyFile}'";
            throw new InvalidArgumentException($"etcd client certificate {which} {problem}");
        }

        // The intermediates are sent along so that etcd can build the chain.
        return SslStreamCertificateContext.Create(certificate!, intermediates, offline: true);
    }
}
