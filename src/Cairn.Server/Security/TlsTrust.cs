using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cairn.Server.Security;

/// <summary>Checks a peer's certificate against a CA bundle of Cairn's settings only, never the system's roots: it must
/// chain to one of them, be within its validity dates and allow the usage (client or server) if it restricts usages.</summary>
internal static class TlsTrust
{
    /// <summary>Why <paramref name="certificate"/> is not valid for <paramref name="usage"/> under <paramref name="roots"/>;
    /// null when it is.</summary>
    /// <param name="certificate">The peer's certificate.</param>
    /// <param name="roots">The CA certificates it must chain to.</param>
    /// <param name="usage">The extended key usage it must allow (<see cref="TlsFiles.ClientAuth"/>, <see cref="TlsFiles.ServerAuth"/>).</param>
    /// <param name="presented">The chain TLS built from what the peer sent (its intermediate CA certificates), if any; used
    /// to find intermediates only, never as trust.</param>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection roots, string usage, X509Chain? presented)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(roots);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(new Oid(usage));
        if (presented is not null)
        {
            policy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements.Skip(1))
            {
                policy.ExtraStore.Add(element.Certificate);
            }
        }

        // Certificate validity is the calendar's (the peers that issued them use it too), not the server's clock.
        if (chain.Build(certificate))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        return reasons.Count > 0 ? string.Join("; ", reasons) : "it does not chain to the configured CA";
    }
}
