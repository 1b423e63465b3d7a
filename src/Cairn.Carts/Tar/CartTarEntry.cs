namespace Cairn.Carts.Tar;

/// <summary>One file of a cart's tar: its path under the root, its length and mtime, and where its bytes are on this
/// node's disk (a staged file from offset 0, or a bundle's span).</summary>
/// <param name="Path">Normalised path under the root (<see cref="CartPaths.NormalizeFilePath"/>).</param>
/// <param name="Size">Its length.</param>
/// <param name="Modified">Its mtime (from the archive).</param>
/// <param name="SourceFile">The file holding its bytes.</param>
/// <param name="SourceOffset">Where they begin in <paramref name="SourceFile"/>.</param>
public sealed record CartTarEntry(string Path, long Size, DateTimeOffset Modified, string SourceFile, long SourceOffset);
