using Cairn.Cli;

return await Cli.RunAsync(args, Console.Out, Console.Error, Console.OpenStandardInput, Console.OpenStandardOutput(), CliEnvironment.Console);
