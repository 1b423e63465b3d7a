namespace Cairn.Server;

/// <summary>The server cannot start with the configuration given; the message says what to change.</summary>
public sealed class StartupException(string message, Exception? innerException = null) : Exception(message, innerException);
