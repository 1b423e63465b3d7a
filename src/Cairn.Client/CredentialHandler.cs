using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cairn.Contracts;

namespace Cairn.Client;

/// <summary>
/// Puts the client's credential on every request that leaves a <see cref="CairnClient"/>, event streams included, since
/// they all pass through this one handler. The credential is, in order: a login session (made by
/// <see cref="CairnClient.LoginAsync"/>, or by this handler for <see cref="CairnClientOptions.User"/>), the configured
/// <see cref="CairnClientOptions.Token"/>, a login with <see cref="CairnClientOptions.User"/> and
/// <see cref="CairnClientOptions.Password"/> on first use, the token in <see cref="CairnClientOptions.TokenFile"/>.
/// </summary>
/// <remarks>
/// A session made from <see cref="CairnClientOptions.User"/> is renewed when the server refuses it (401: it expired, or
/// the user's sessions were ended) and the request is sent once more; a request whose body cannot be sent twice (a
/// streamed upload) is not, but the next request logs in again. Sessions are also renewed shortly before they expire by
/// this machine's clock. Tokens and passwords never appear in an exception message or a log.
/// </remarks>
internal sealed class CredentialHandler : DelegatingHandler
{
    /// <summary>A request option that sends the request without any credential (a login must not carry a stale token:
    /// the server refuses an invalid bearer token even where none is needed).</summary>
    public static readonly HttpRequestOptionsKey<bool> Anonymous = new("Cairn.Anonymous");

    private readonly Uri _loginUri;
    private readonly string? _token;
    private readonly string? _user;
    private readonly string? _password;
    private readonly TokenFileSource? _file;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _loginGate = new(1, 1);
    private Session? _session;

    public CredentialHandler(CairnClientOptions options, Uri baseAddress, string endpoint, HttpMessageHandler inner, TimeProvider? time = null)
        : base(inner)
    {
        if (options.Token is { Length: > 0 } token)
        {
            if (!IsWellFormed(token))
            {
                throw new ArgumentException("The token (Token, --token, CAIRN_TOKEN) has characters a Cairn token cannot have (spaces, line breaks or non-ASCII): is it cut or pasted with something else?");
            }

            _token = token;
        }

        if (options.User is { Length: > 0 } user)
        {
            if (options.Password is null)
            {
                throw new ArgumentException($"User '{user}' is given without a password (Password, --user USER:PASSWORD).");
            }

            _user = user;
            _password = options.Password;
        }
        else if (options.Password is { Length: > 0 })
        {
            throw new ArgumentException("A password is given without a user (User).");
        }

        if (options.TokenFile is { Length: > 0 } file)
        {
            _file = new TokenFileSource(Path.GetFullPath(file), endpoint);
        }

        _loginUri = new Uri(baseAddress, "v1/auth/login");
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Whether <paramref name="token"/> can be sent as a bearer token: visible ASCII, no spaces.</summary>
    public static bool IsWellFormed(string token) => token.Length > 0 && token.All(c => c is > ' ' and < (char)127);

    /// <summary>Uses <paramref name="result"/> (a login's answer) for the requests that follow.</summary>
    /// <param name="result">The login's answer.</param>
    /// <param name="password">The password it was made with: when it is the configured user's, the session is renewed like
    /// one this handler made.</param>
    public void Adopt(TokenResultDto result, string password) =>
        Volatile.Write(ref _session, NewSession(result, renewable: _user is not null && result.User == _user && password == _password));

    /// <summary>Forgets the login session (after a logout); the next request uses the other credentials.</summary>
    public void ForgetSession() => Volatile.Write(ref _session, null);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Anonymous, out var anonymous) && anonymous)
        {
            request.Headers.Authorization = null;
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var (credential, failure) = await CredentialAsync(cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return failure;
        }

        request.Headers.Authorization = credential is null ? null : new AuthenticationHeaderValue("Bearer", credential.Token);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || credential?.Session is not { } refused)
        {
            return response;
        }

        // The server no longer takes the session: forget it (unless another request already replaced it).
        Interlocked.CompareExchange(ref _session, null, refused);
        if (!refused.Renewable || !CanSendAgain(request.Content))
        {
            return response;
        }

        response.Dispose();
        var (session, loginFailure) = await LogInAsync(refused, cancellationToken).ConfigureAwait(false);
        if (loginFailure is not null)
        {
            return loginFailure;
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session!.Token);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _loginGate.Dispose();
        }

        base.Dispose(disposing);
    }

    // A body that is bytes in memory can be sent again; a stream may have been read already.
    private static bool CanSendAgain(HttpContent? content) => content is null or ByteArrayContent or ReadOnlyMemoryContent;

    private async Task<(Credential? Credential, HttpResponseMessage? Failure)> CredentialAsync(CancellationToken cancellationToken)
    {
        var session = Volatile.Read(ref _session);
        if (session is not null && (!session.Renewable || _time.GetUtcNow() < session.RenewAt))
        {
            return (new Credential(session.Token, session), null);
        }

        if (_token is not null)
        {
            return (new Credential(_token, null), null);
        }

        if (_user is not null)
        {
            var (fresh, failure) = await LogInAsync(session, cancellationToken).ConfigureAwait(false);
            return failure is not null ? (null, failure) : (new Credential(fresh!.Token, fresh), null);
        }

        return _file?.Current() is { } fileToken ? (new Credential(fileToken, null), null) : (null, null);
    }

    // Logs in as the configured user, once for all the requests that need it at the same time: a request that waited
    // while another logged in uses that session. A refused login's answer (401, 429, …) is handed back as the answer
    // to the request, so its problem document becomes the caller's exception.
    private async Task<(Session? Session, HttpResponseMessage? Failure)> LogInAsync(Session? stale, CancellationToken cancellationToken)
    {
        await _loginGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Volatile.Read(ref _session);
            if (current is not null && current != stale && _time.GetUtcNow() < current.RenewAt)
            {
                return (current, null);
            }

            using var login = new HttpRequestMessage(HttpMethod.Post, _loginUri)
            {
                Content = JsonContent.Create(new LoginDto { User = _user!, Password = _password! }, options: WireJson.Options),
            };
            var response = await base.SendAsync(login, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, response);
            }

            TokenResultDto? result;
            using (response)
            {
                result = await response.Content.ReadFromJsonAsync<TokenResultDto>(WireJson.Options, cancellationToken).ConfigureAwait(false);
            }

            if (result is null || !IsWellFormed(result.Token))
            {
                throw new Core.InternalErrorException("The server's answer to a login holds no token.");
            }

            var session = NewSession(result, renewable: true);
            Volatile.Write(ref _session, session);
            return (session, null);
        }
        finally
        {
            _loginGate.Release();
        }
    }

    // Renewed a little before it expires by this machine's clock (a tenth of its life, at most 30 s early), so that a
    // streamed upload, which cannot be sent twice, rarely meets an expired session.
    private Session NewSession(TokenResultDto result, bool renewable)
    {
        var now = _time.GetUtcNow();
        var renewAt = DateTimeOffset.MaxValue;
        if (result.ExpiresAt is { } expires)
        {
            var early = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, Math.Max(0, (expires - now).Ticks / 10)));
            renewAt = expires - early;
        }

        return new Session(result.Token, renewAt, renewable);
    }

    private sealed class Session(string token, DateTimeOffset renewAt, bool renewable)
    {
        public string Token { get; } = token;

        public DateTimeOffset RenewAt { get; } = renewAt;

        public bool Renewable { get; } = renewable;

        public override string ToString() => $"session (renewable: {Renewable})";
    }

    private sealed record Credential(string Token, Session? Session)
    {
        public override string ToString() => "credential";
    }
}
