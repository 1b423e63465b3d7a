global using Cairn.Core;
global using Cairn.Testing;
