using System.Globalization;

namespace Cairn.Carts;

/// <summary>
/// Where carts live in the keyspace (all under <see cref="Root"/>; see <c>docs/carts.md</c>):
/// <list type="bullet">
/// <item><c>carts/&lt;uid&gt;</c>: the cart (<see cref="CartRecord"/>).</item>
/// <item><c>files/&lt;cartId&gt;/&lt;index:D6&gt;</c>: a file of the cart (<see cref="Contracts.CartFileDto"/>).</item>
/// <item><c>pending/&lt;cartId&gt;</c>: the uid, while the cart is waiting, staging or bundling.</item>
/// <item><c>claims/&lt;cartId&gt;</c>: <see cref="CartClaimRecord"/> under the claimant's lease; its create revision fences
/// every write of the claimant.</item>
/// <item><c>volumes/&lt;volumeId&gt;</c>: <see cref="CartVolumeRecord"/> under the node's lease.</item>
/// <item><c>gone/&lt;volumeId&gt;/&lt;cartId&gt;</c>: the uid of a deleted or replaced cart whose files that volume still holds.</item>
/// </list>
/// uids (<see cref="CartPaths.CheckUid"/>) and cart ids (32 lower-case hex) are key-safe as they are.
/// </summary>
internal static class CartKeys
{
    public const string Root = "/cairn/carts/";
    public const string CartsPrefix = Root + "carts/";
    public const string FilesPrefix = Root + "files/";
    public const string PendingPrefix = Root + "pending/";
    public const string ClaimsPrefix = Root + "claims/";
    public const string VolumesPrefix = Root + "volumes/";
    public const string GonePrefix = Root + "gone/";

    public static string Cart(string uid) => CartsPrefix + uid;

    public static string Files(string cartId) => FilesPrefix + cartId + "/";

    public static string File(string cartId, int index) => Files(cartId) + index.ToString("D6", CultureInfo.InvariantCulture);

    public static string Pending(string cartId) => PendingPrefix + cartId;

    public static string Claim(string cartId) => ClaimsPrefix + cartId;

    public static string Volume(string volumeId) => VolumesPrefix + volumeId;

    public static string Gone(string volumeId) => GonePrefix + volumeId + "/";

    public static string Gone(string volumeId, string cartId) => Gone(volumeId) + cartId;

    /// <summary>The last segment of a key.</summary>
    public static string Last(string key) => key[(key.LastIndexOf('/') + 1)..];

    /// <summary>A new cart id: 32 lower-case hex digits.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>True for 32 lower-case hex digits (a cart or volume id, safe as a directory name).</summary>
    public static bool IsId(string? text) =>
        text is { Length: 32 } && text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
