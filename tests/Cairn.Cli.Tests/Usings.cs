global using Cairn.Testing;
