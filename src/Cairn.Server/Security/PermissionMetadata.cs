namespace Cairn.Server.Security;

/// <summary>
/// Endpoint metadata: what a request to the endpoint needs, checked by the authorization middleware before the handler
/// runs (<see cref="SecurityEndpoints"/> adds it). With auth on, an endpoint that carries none of <see cref="PermissionMetadata"/>,
/// <see cref="AuthorizedInHandlerMetadata"/>, <see cref="AuthenticatedMetadata"/> or ASP.NET Core's
/// <c>IAllowAnonymous</c> is refused to everyone but root: nothing is open by accident.
/// </summary>
/// <param name="Resource">The resource family (<see cref="Contracts.AuthResources"/>).</param>
/// <param name="Action">The action.</param>
/// <param name="NameRouteValue">The route value that holds the name the action is on (<c>txid</c>, <c>key</c>, …); null for a
/// check on the resource as a whole (an unnamed resource, or a listing, which needs the action on every name).</param>
internal sealed record PermissionMetadata(string Resource, string Action, string? NameRouteValue = null);

/// <summary>The handler checks the permission itself, with <see cref="Caller.Demand"/>, because the name is in the body or
/// in a record it reads first (a txn's keys, the script of a job). The middleware only requires a caller; the handler
/// must demand before it changes anything.</summary>
/// <param name="Resource">The resource family the handler checks (for documentation and the endpoint audit test).</param>
internal sealed record AuthorizedInHandlerMetadata(string Resource);

/// <summary>Any authenticated caller may use the endpoint (who-am-I, logout, the OpenAPI document).</summary>
internal sealed record AuthenticatedMetadata;
