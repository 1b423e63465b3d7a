using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>The log lines of TLS: certificate reloads and refused certificates.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "TLS: reloaded {What}")]
    public static partial void Reloaded(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: {What} changed but cannot be used ({Reason}); still serving the previous one")]
    public static partial void ReloadFailed(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: the certificate of {What} ({Subject}) expired on {NotAfter:u}")]
    public static partial void Expired(ILogger logger, string what, string subject, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: refused the client certificate '{Subject}' (issuer '{Issuer}') from {Remote}: {Reason}")]
    public static partial void ClientCertificateRefused(ILogger logger, string subject, string issuer, string? remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS: refused the certificate of node {Host} ('{Subject}'): {Reason}")]
    public static partial void NodeCertificateRefused(ILogger logger, string host, string? subject, string reason);
}
