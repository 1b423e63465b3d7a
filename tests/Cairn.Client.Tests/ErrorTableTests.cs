using System.Net;
using System.Reflection;
using System.Text.Json;
using Cairn.Core;

namespace Cairn.Client.Tests;

/// <summary>The error table: every code has a row, and a client rebuilds every code as the exception the server raised.</summary>
public sealed class ErrorTableTests
{
    public static TheoryData<string> Codes()
    {
        var data = new TheoryData<string>();
        foreach (var code in AllCodes())
        {
            data.Add(code);
        }

        return data;
    }

    [Fact]
    public void EveryErrorCode_HasOneRowInTheTable()
    {
        var codes = AllCodes();

        Assert.Equal(codes.Order(StringComparer.Ordinal), ErrorCatalog.Entries.Select(e => e.Code).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryCairnExceptionInCore_IsWhatSomeRowRebuilds()
    {
        var rebuilt = ErrorCatalog.Entries.Select(e => e.Rebuild(Facts(e.Code)).GetType()).ToHashSet();
        var declared = typeof(CairnException).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(CairnException)) && !t.IsAbstract && t != typeof(RemoteException));

        Assert.Empty(declared.Where(t => !rebuilt.Contains(t)).Select(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void AProblemOfEveryCode_BecomesItsTypedException_WithItsDetails(string code)
    {
        var entry = ErrorCatalog.Find(code)!;
        var raised = entry.Rebuild(Facts(code));

        var problem = ProblemAsTheServerWritesIt(raised);
        var received = CairnClient.ToException((HttpStatusCode)ErrorCatalog.StatusFor(code), problem);

        Assert.Equal(code, raised.Code);
        Assert.IsType(raised.GetType(), received);
        Assert.Equal(code, received.Code);
        Assert.Equal(raised.Message, received.Message);
        Assert.Equal(raised.IsTransient, received.IsTransient);
        Assert.Equal(Json(raised.Details), Json(received.Details));
        Assert.InRange(entry.Status, 400, 599);
        Assert.False(string.IsNullOrWhiteSpace(entry.Title));
    }

    [Fact]
    public void AnUnknownCode_BecomesARemoteExceptionCarryingIt()
    {
        var problem = JsonSerializer.SerializeToUtf8Bytes(new { code = "from_a_newer_server", detail = "something new" });

        var received = CairnClient.ToException(HttpStatusCode.BadRequest, problem);

        var remote = Assert.IsType<RemoteException>(received);
        Assert.Equal("from_a_newer_server", remote.Code);
        Assert.Equal("something new", remote.Message);
    }

    private static List<string> AllCodes() =>
        [.. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetValue(null)!)];

    // Distinct facts for every extension a row may read, so that a row reading the wrong one shows.
    private static ProblemFacts Facts(string code) => new(
        "detail of " + code,
        name => name switch
        {
            "actual" => 11,
            "limit" => 7,
            "requestedRevision" => 42,
            "currentRevision" => 40,
            "compactRevision" => 45,
            "modRevision" => 9,
            "leaseId" => 1234,
            _ => null,
        },
        name => name switch
        {
            "key" => "some/key",
            "what" => "value",
            _ => null,
        });

    // The server's problem shape (ProblemWriter): type, title, status, detail, code, instance, then the details.
    private static byte[] ProblemAsTheServerWritesIt(CairnException error)
    {
        var problem = new Dictionary<string, object?>
        {
            ["type"] = "urn:cairn:error:" + error.Code,
            ["title"] = ErrorCatalog.TitleFor(error.Code),
            ["status"] = ErrorCatalog.StatusFor(error.Code),
            ["detail"] = error.Message,
            ["code"] = error.Code,
            ["instance"] = "/v1/x",
        };
        foreach (var (name, value) in error.Details)
        {
            problem[name] = value;
        }

        return JsonSerializer.SerializeToUtf8Bytes(problem);
    }

    private static string Json(IReadOnlyDictionary<string, object?> details) =>
        JsonSerializer.Serialize(details.OrderBy(d => d.Key, StringComparer.Ordinal).ToDictionary());
}
