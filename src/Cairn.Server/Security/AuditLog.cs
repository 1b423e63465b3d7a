using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Cairn.Server.Security;

/// <summary>
/// The audit trail: every authentication failure, permission denial and administrative action, as one structured line
/// with who, what, from where and the outcome. Written to the log under category <c>Cairn.Audit</c> and, when
/// <c>Auth:AuditFile</c> is set, appended as a JSON line to that file.
/// </summary>
/// <remarks>Thread-safe. The file is opened once (mode 0600, created if missing, appended to) and each line is flushed
/// as it is written, so a crash loses none that was reported written.</remarks>
internal sealed partial class AuditLog : IDisposable
{
    /// <summary>The log category of audit lines.</summary>
    public const string Category = "Cairn.Audit";

    // The longest who or what written in full; the rest is cut (with the length it had).
    private const int MaxFieldLength = 1024;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FileStream? _file;
    private readonly Lock _fileLock = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(512); // reused under the lock
    private bool _disposed;

    /// <summary>An audit log that writes to <paramref name="loggerFactory"/>'s <see cref="Category"/> and, when
    /// <paramref name="file"/> is given, to that file.</summary>
    /// <exception cref="StartupException">The file cannot be opened for appending.</exception>
    public AuditLog(ILoggerFactory loggerFactory, TimeProvider time, string? file)
    {
        _logger = loggerFactory.CreateLogger(Category);
        _time = time;
        if (!string.IsNullOrWhiteSpace(file))
        {
            var path = Path.GetFullPath(file);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                _file = new FileStream(path, options);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"Auth:AuditFile: cannot open '{path}' for appending: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Records one event.</summary>
    /// <param name="event">What happened: <c>auth.failed</c>, <c>auth.throttled</c>, <c>access.denied</c>, <c>user.add</c>,
    /// <c>user.remove</c>, <c>user.password</c>, <c>user.grant</c>, <c>user.revoke</c>, <c>role.add</c>, <c>role.remove</c>,
    /// <c>role.grant</c>, <c>role.revoke</c>, <c>token.create</c>, <c>token.revoke</c>, <c>login</c>, <c>auth.enable</c>,
    /// <c>auth.disable</c>, <c>snapshot</c>, <c>restore</c>, <c>compaction</c>, <c>admin</c>.</param>
    /// <param name="who">The caller's name (or the name it claimed, for a failed login); null when unknown.</param>
    /// <param name="from">Where the request came from: <c>IP:port</c>, or <c>unix:uid=…</c>.</param>
    /// <param name="what">The request (<c>POST /v1/auth/users</c>) and what it was on.</param>
    /// <param name="outcome"><c>ok</c>, <c>denied</c>, <c>failed</c>, <c>throttled</c>.</param>
    public void Write(string @event, string? who, string? from, string what, string outcome)
    {
        // Names, paths and claimed user names come from the client: a line break in one must not forge a second line, and
        // a path of 30 KB must not make a line of 30 KB.
        who = Shorten(who);
        what = Shorten(what)!;
        var safeWho = Clean(who ?? "-");
        var safeFrom = Clean(from ?? "-");
        var safeWhat = Clean(what);
        if (outcome == "ok")
        {
            LogDone(_logger, @event, safeWho, safeFrom, safeWhat, outcome);
        }
        else
        {
            LogRefused(_logger, @event, safeWho, safeFrom, safeWhat, outcome);
        }

        if (_file is not null)
        {
            AppendJson(@event, who, from, what, outcome);
        }
    }

    private void AppendJson(string @event, string? who, string? from, string what, string outcome)
    {
        lock (_fileLock)
        {
            if (_disposed)
            {
                return;
            }

            var buffer = _buffer;
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("time", _time.GetUtcNow());
                json.WriteString("event", @event);
                json.WriteString("who", who);
                json.WriteString("from", from);
                json.WriteString("what", what);
                json.WriteString("outcome", outcome);
                json.WriteEndObject();
            }

            buffer.Write("\n"u8);
            try
            {
                _file!.Write(buffer.WrittenSpan);
                _file.Flush();
            }
            catch (IOException ex)
            {
                // A full disk must not turn every request into a 500; the log line above still says what happened.
                LogFileFailed(_logger, ex);
            }
        }
    }

    private static string? Shorten(string? text) =>
        text is { Length: > MaxFieldLength } ? text[..MaxFieldLength] + $"… ({text.Length} chars)" : text;

    private static string Clean(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        lock (_fileLock)
        {
            _disposed = true;
            _file?.Dispose();
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "audit event={Event} who={Who} from={From} what={What} outcome={Outcome}")]
    private static partial void LogDone(ILogger logger, string @event, string who, string from, string what, string outcome);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "audit event={Event} who={Who} from={From} what={What} outcome={Outcome}")]
    private static partial void LogRefused(ILogger logger, string @event, string who, string from, string what, string outcome);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Cannot append to the audit file")]
    private static partial void LogFileFailed(ILogger logger, Exception exception);
}
