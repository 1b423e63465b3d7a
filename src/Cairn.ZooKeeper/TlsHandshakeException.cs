namespace Cairn.ZooKeeper;

// TLS with a server failed: its certificate was not trusted, it refused ours (or our lack of one), or it does not speak
// TLS on that port. Waiting does not cure it, so when every server fails so on the first connect, ConnectAsync says so
// at once instead of waiting out its timeout.
internal sealed class TlsHandshakeException(string message, Exception innerException) : IOException(message, innerException);
