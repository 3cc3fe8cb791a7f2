using Berth.Runtime.Init;
using Berth.RuntimeCli;

// The init stage is entered before any parsing: it runs inside the container's namespaces
// and must start as little as possible.
if (args.Length > 0 && args[0] == "init")
    return ContainerInit.Run();

return Cli.Run(args);
