using System.CommandLine;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>create: the container's init waits on the exec fifo until start.</summary>
public static class CreateCommand
{
    public static readonly Option<string> Bundle = new("--bundle", "-b") { Description = "path to the root of the bundle directory", DefaultValueFactory = _ => "." };
    public static readonly Option<string?> ConsoleSocket = new("--console-socket") { Description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" };
    public static readonly Option<string?> PidFile = new("--pid-file") { Description = "specify the file to write the process id to" };
    public static readonly Option<bool> NoPivot = new("--no-pivot") { Description = "do not use pivot root to jail process inside rootfs" };
    public static readonly Option<bool> NoNewKeyring = new("--no-new-keyring") { Description = "do not create a new session keyring for the container" };
    public static readonly Option<int> PreserveFds = new("--preserve-fds") { Description = "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" };
    public static readonly Argument<string> Id = new("container-id") { Description = "the container's name" };

    public static Command Build()
    {
        var cmd = new Command("create", "create a container");
        AddCreateOptions(cmd);
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            new ContainerCreator(ctx.Store, ctx.Log).Create(Options(p));
            return 0;
        }));
        return cmd;
    }

    public static void AddCreateOptions(Command cmd)
    {
        foreach (var o in new Option[] { Bundle, ConsoleSocket, PidFile, NoPivot, NoNewKeyring, PreserveFds })
            cmd.Options.Add(o);
        cmd.Arguments.Add(Id);
    }

    public static CreateOptions Options(ParseResult p)
    {
        var preserve = p.GetValue(PreserveFds);
        if (preserve < 0)
            throw new RuntimeException("--preserve-fds: must not be negative");
        // As runc: $LISTEN_FDS (socket activation) adds to the preserved fds.
        if (int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out var listen) && listen > 0)
            preserve += listen;
        return new CreateOptions
        {
            Id = p.GetValue(Id) ?? "",
            Bundle = p.GetValue(Bundle) ?? ".",
            ConsoleSocket = p.GetValue(ConsoleSocket),
            PidFile = p.GetValue(PidFile),
            NoPivot = p.GetValue(NoPivot),
            NoNewKeyring = p.GetValue(NoNewKeyring),
            PreserveFds = preserve,
        };
    }
}
