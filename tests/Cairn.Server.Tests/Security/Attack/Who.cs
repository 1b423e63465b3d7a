namespace Cairn.Server.Tests.Security.Attack;

/// <summary>The callers of a <see cref="SecureServer"/>: what each may do is set up by the fixture (see there).</summary>
public enum Who
{
    /// <summary>No credential at all.</summary>
    Anonymous,

    /// <summary>User <c>nobody-perms</c>: a valid login, no roles.</summary>
    NobodyPerms,

    /// <summary>User <c>reader</c>: read on everything (never <c>/cairn/auth/</c>, which is root's).</summary>
    Reader,

    /// <summary>User <c>writer-a</c>: read and write on the <c>a</c> names of every module (kv <c>a/</c>, blobs <c>a/</c>,
    /// journal <c>a</c>, runs, pools, locks and carts <c>a</c>, jobs of type <c>script:a/</c>), and leases.</summary>
    WriterA,

    /// <summary>User <c>root</c>, with role <c>root</c>: everything.</summary>
    Root,
}
