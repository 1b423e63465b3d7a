using FsCheck;
using FsCheck.Fluent;
using static Cairn.Server.Tests.FuzzInputs;

namespace Cairn.Server.Tests;

/// <summary>The <c>/v1/auth</c> family. The fuzz server has auth off, so these run unrestricted; no user is ever named
/// <c>root</c>, so that enabling auth (which needs one) is always refused and the other families keep an open server.</summary>
internal static partial class FuzzRoutes
{
    private static readonly string[] AuthRoutes =
    [
        "/v1/auth/status", "/v1/auth/enable", "/v1/auth/disable", "/v1/auth/login", "/v1/auth/logout",
        "/v1/auth/users", "/v1/auth/users/{user}", "/v1/auth/users/{user}/password", "/v1/auth/users/{user}/roles",
        "/v1/auth/users/{user}/roles/{role}", "/v1/auth/roles", "/v1/auth/roles/{role}", "/v1/auth/roles/{role}/permissions",
        "/v1/auth/roles/{role}/permissions/revoke", "/v1/auth/tokens", "/v1/auth/tokens/{id}",
    ];

    // Names in paths: well-formed, hostile, never root.
    private static Gen<string> AuthName => Gen.Frequency((3, Gen.Elements("alice", "bob", "svc-1", "a.b", "a@b", "reader", "Root", ".x", "a b", "a%2Fb")), (2, Name));

    // The same in a JSON body: a string of one of those, or any JSON value.
    private static Gen<string> AuthNameJson => Gen.Frequency(
        (4, Gen.Elements("\"alice\"", "\"bob\"", "\"reader\"", "\"writer\"", "\"\"", "\".x\"", "\"a/b\"", "\"a\\u0000b\"", "\"" + new string('n', 200) + "\"")),
        (1, JsonValue));

    private static Gen<string> Permission => Fields(
        [],
        ("resource", Gen.Frequency((3, Gen.Elements("\"kv\"", "\"journal\"", "\"admin\"", "\"blobs\"", "\"nope\"", "\"\"")), (1, JsonValue))),
        ("actions", Gen.Frequency((3, Gen.Elements("[\"read\"]", "[\"*\"]", "[\"read\",\"write\"]", "[]", "[\"fly\"]", "[1]")), (1, JsonValue))),
        ("key", Gen.Frequency((3, Gen.Elements("\"a/\"", "\"\"", "\"/cairn/auth/\"", "\"\\u0000\"")), (1, JsonValue))),
        ("prefix", Gen.Elements("true", "false", "1", "null")),
        ("rangeEnd", Gen.Frequency((3, Gen.Elements("\"b\"", "\"\"", "\"\\u0000\"", "null")), (1, JsonValue))));

    private static Gen<string> Permissions => Gen.Frequency(
        (4, Gen.Choose(0, 3).SelectMany(n => Permission.ListOf(n)).Select(p => "[" + string.Join(',', p) + "]")),
        (1, JsonValue));

    private static Gen<FuzzRequest> Auth()
    {
        var password = Gen.Frequency((3, Gen.Elements("\"pw\"", "\"\"", "null", "\"" + new string('p', 100_000) + "\"", "\"é\\u0000\"")), (1, JsonValue));
        var user = Body(Fields([], ("name", AuthNameJson), ("password", password), ("roles", Gen.Frequency((3, Gen.Elements("[]", "[\"reader\"]", "[\"nope\"]", "[1]")), (1, JsonValue)))));
        var role = Body(Fields([], ("name", AuthNameJson), ("permissions", Permissions)));
        var change = Body(Fields([], ("permissions", Permissions)));
        var login = Body(Fields([], ("user", AuthNameJson), ("password", password)));
        var token = Body(Fields([], ("user", AuthNameJson), ("name", AuthNameJson), ("ttl", Gen.Frequency((3, Gen.Elements("\"1h\"", "\"90d\"", "\"0\"", "\"-1s\"", "\"x\"", "null", "\"99999d\"")), (1, JsonValue)))));
        var grant = Body(Fields([], ("role", AuthNameJson)));
        var pw = Body(Fields([], ("password", password)));
        return Gen.Frequency(
            (2, Request(Methods("GET"), Target(Gen.Constant("/v1/auth/status")), Headers(), NoBody())),
            (2, Request(Methods("POST"), Target(Gen.Elements("/v1/auth/enable", "/v1/auth/disable", "/v1/auth/logout")), Headers(), Body())),
            (3, Request(Methods("POST"), Target(Gen.Constant("/v1/auth/login")), Headers(), login, JsonMostly())),
            (3, Request(Methods("POST"), Target(Gen.Constant("/v1/auth/users")), Headers(), user, JsonMostly())),
            (2, Request(Methods("GET", "DELETE"), Target(AuthName.Select(u => "/v1/auth/users/" + u)), Headers(), NoBody())),
            (2, Request(Methods("PUT"), Target(AuthName.Select(u => $"/v1/auth/users/{u}/password")), Headers(), pw, JsonMostly())),
            (2, Request(Methods("POST"), Target(AuthName.Select(u => $"/v1/auth/users/{u}/roles")), Headers(), grant, JsonMostly())),
            (1, Request(Methods("DELETE"), Target(AuthName.SelectMany(u => AuthName, (u, r) => $"/v1/auth/users/{u}/roles/{r}")), Headers(), NoBody())),
            (3, Request(Methods("POST"), Target(Gen.Constant("/v1/auth/roles")), Headers(), role, JsonMostly())),
            (2, Request(Methods("GET", "DELETE"), Target(AuthName.Select(r => "/v1/auth/roles/" + r)), Headers(), NoBody())),
            (2, Request(Methods("POST"), Target(AuthName.SelectMany(r => Gen.Elements("/permissions", "/permissions/revoke"), (r, p) => $"/v1/auth/roles/{r}{p}")), Headers(), change, JsonMostly())),
            (1, Request(Methods("GET", "POST"), Target(Gen.Elements("/v1/auth/users", "/v1/auth/roles", "/v1/auth/tokens"), "user"), Headers(), token, JsonMostly())),
            (2, Request(Methods("POST"), Target(Gen.Constant("/v1/auth/tokens")), Headers(), token, JsonMostly())),
            (1, Request(Methods("DELETE"), Target(Gen.Frequency((2, Gen.Elements("1", "abc", "0")), (1, Name)).Select(id => "/v1/auth/tokens/" + id)), Headers(), NoBody())),
            (1, Request(Gen.Elements(AnyMethod), Target(NamePath.Select(p => "/v1/auth/" + p)), Headers(), Body(), JsonMostly())));
    }
}
