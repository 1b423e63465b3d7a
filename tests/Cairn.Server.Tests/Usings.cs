global using Cairn.Testing;
global using Cairn.Testing.Server;
