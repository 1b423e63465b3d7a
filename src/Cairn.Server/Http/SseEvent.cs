using Cairn.Server.Hosting;

namespace Cairn.Server.Http;

/// <summary>One server-sent event.</summary>
/// <param name="Type">Its <c>event:</c> name.</param>
/// <param name="Id">Its <c>id:</c> (a revision, from which a reconnecting client resumes), or none.</param>
/// <param name="Data">Its <c>data:</c>, written as wire JSON.</param>
internal readonly record struct SseEvent(string Type, long? Id, object Data);
