using System.CommandLine;
using Cairn.Cli;

var root = new RootCommand("Cairn: coordination and state in one service.")
{
    ServeCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
