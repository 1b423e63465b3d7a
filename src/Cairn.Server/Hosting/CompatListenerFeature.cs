namespace Cairn.Server.Hosting;

/// <summary>The connection feature that marks a connection accepted on a compat API's own listener.</summary>
/// <param name="Api">The <see cref="CompatApi.Name"/> of the listener.</param>
internal sealed record CompatListenerFeature(string Api);
