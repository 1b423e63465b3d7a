global using Cairn.Core;
global using Cairn.Testing;
global using Cairn.Volumes;
