global using Cairn.Contracts;
global using Cairn.Core;
global using Cairn.Testing;
