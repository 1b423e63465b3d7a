using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cairn.Carts.Tests")]
[assembly: InternalsVisibleTo("Cairn.Server")]
