using Berth.Cli;

return BerthCli.Run(args);
