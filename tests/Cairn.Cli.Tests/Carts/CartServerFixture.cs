using System.Security.Cryptography;

namespace Cairn.Cli.Tests.Carts;

/// <summary>A real server whose carts come from the <c>directory</c> archive: a temp directory of files the tests write
/// (the archive id of a file is its path under it).</summary>
public class CartServerFixture : ServerFixture
{
    public CartServerFixture()
    {
        ArchiveDir = Path.Combine(DataDir, "archive");
        Directory.CreateDirectory(ArchiveDir);
        Settings["Carts:ArchiveDirectory"] = ArchiveDir;
        Settings["Carts:Archive"] = "directory";
    }

    /// <summary>The archive's root.</summary>
    public string ArchiveDir { get; }

    /// <summary>Writes <paramref name="size"/> random bytes at <paramref name="id"/> (a relative path) and returns them.</summary>
    public byte[] AddFile(string id, int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        var path = Path.Combine(ArchiveDir, id);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }
}

/// <summary>A cart server that stages nothing (<c>Carts:MaxActiveCarts</c> 0): its carts wait for ever, so a command
/// following one can be interrupted at leisure.</summary>
public sealed class IdleCartServerFixture : CartServerFixture
{
    public IdleCartServerFixture() => Settings["Carts:MaxActiveCarts"] = "0";
}
