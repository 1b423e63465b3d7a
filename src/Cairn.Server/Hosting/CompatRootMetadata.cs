namespace Cairn.Server.Hosting;

/// <summary>Endpoint metadata of a compat API's root mount: the endpoint serves connections of that API's listeners only.</summary>
/// <param name="Api">The <see cref="CompatApi.Name"/>.</param>
internal sealed record CompatRootMetadata(string Api);
