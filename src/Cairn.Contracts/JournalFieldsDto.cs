using System.Text.Json;
using System.Text.Json.Serialization;

using Cairn.Core;

namespace Cairn.Contracts;

/// <summary>The structured fields of a request, taken from its messages.</summary>
public sealed class JournalFieldsDto
{
    public string? TransactionId { get; set; }

    public string? RequestId { get; set; }

    public string? Host { get; set; }

    public string? Resource { get; set; }

    public string? ResourceGroup { get; set; }

    public string? Verb { get; set; }

    public string? Pk { get; set; }

    public string? Date { get; set; }

    public string? UserId { get; set; }

    public string? AuthUserId { get; set; }

    public string? Role { get; set; }

    public string? Cm { get; set; }
}
