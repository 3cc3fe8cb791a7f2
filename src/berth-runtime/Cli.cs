using System.CommandLine;
using Berth.Linux;
using Berth.Oci.Runtime;
using Berth.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Logging;
using Berth.Runtime.State;
using Berth.RuntimeCli.Commands;

namespace Berth.RuntimeCli;

/// <summary>runc's command line: global flags, then one verb per file under Commands/.</summary>
public static class Cli
{
    public static readonly Option<string> Root = new("--root") { Description = "root directory for storage of container state (this should be located in tmpfs)", DefaultValueFactory = _ => StateStore.DefaultRoot, Recursive = true };
    public static readonly Option<string?> Log = new("--log") { Description = "set the log file to write runtime logs to (default is '/dev/stderr')", Recursive = true };
    public static readonly Option<string> LogFormat = new("--log-format") { Description = "set the log format ('text' (default), or 'json')", DefaultValueFactory = _ => "text", Recursive = true };
    public static readonly Option<bool> Debug = new("--debug") { Description = "enable debug logging", Recursive = true };
    public static readonly Option<bool> SystemdCgroup = new("--systemd-cgroup") { Description = "enable systemd cgroup support (not supported by berth-runtime)", Recursive = true };
    public static readonly Option<string?> Criu = new("--criu") { Description = "path to the criu binary (accepted for compatibility; checkpointing is not supported)", Recursive = true, Hidden = true };
    public static readonly Option<string?> Rootless = new("--rootless") { Description = "ignore cgroup permission errors ('true', 'false', or 'auto')", Recursive = true, Hidden = true };

    public const string Version = "0.1.0";

    public static int Run(string[] args)
    {
        // Callers (containerd's go-runc, docker info) parse runc's exact --version layout.
        if (args.Any(a => a is "--version" or "-v") || args is ["version"])
        {
            Console.Out.Write($"berth-runtime version {Version}\nspec: {OciVersions.Current}\n");
            return 0;
        }
        args = EndOptionsAfterExecId(Normalize(args));
        // One verb is built, not fifteen: a RootCommand also reads the descriptions of --help and
        // --version from the package's resources, which goes through reflection over assembly
        // metadata. Together that is half of the code and type data a `run` touches, paid on every
        // start of a runtime that containerd and docker start for every container operation.
        if (VerbIndex(args) is var at && at < args.Length && Array.FindIndex(Verbs, v => v.Name == args[at]) is var found and >= 0
            && !args.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h" or "-?"))
        {
            var lean = new Command(Name, Description);
            AddGlobalOptions(lean);
            lean.Subcommands.Add(Verbs[found].Build());
            var parse = lean.Parse(args);
            if (parse.Errors.Count == 0)
                return parse.Invoke();
        }
        // Help, an unknown verb or a parse error: the whole tree, so messages and usage list every verb.
        var root = new RootCommand(Description);
        AddGlobalOptions(root);
        foreach (var verb in Verbs)
            root.Subcommands.Add(verb.Build());
        return root.Parse(args).Invoke();
    }

    private const string Name = "berth-runtime";
    private const string Description = "berth-runtime: an OCI runtime (a drop-in for runc)";

    /// <summary>The verbs in the order help lists them.</summary>
    private static readonly (string Name, Func<Command> Build)[] Verbs =
    [
        ("create", CreateCommand.Build),
        ("start", StartCommand.Build),
        ("exec", ExecCommand.Build),
        ("ps", PsCommand.Build),
        ("pause", () => PauseCommand.Build(pause: true)),
        ("resume", () => PauseCommand.Build(pause: false)),
        ("update", UpdateCommand.Build),
        ("events", EventsCommand.Build),
        ("run", RunCommand.Build),
        ("state", StateCommand.Build),
        ("kill", KillCommand.Build),
        ("delete", DeleteCommand.Build),
        ("list", ListCommand.Build),
        ("spec", SpecCommand.Build),
        ("features", FeaturesCommand.Build),
    ];

    private static void AddGlobalOptions(Command root)
    {
        foreach (var o in new Option[] { Root, Log, LogFormat, Debug, SystemdCgroup, Criu, Rootless })
            root.Options.Add(o);
    }

    /// <summary>Where the verb is: the first argument that is neither a global flag nor its value.</summary>
    private static int VerbIndex(string[] args)
    {
        var i = 0;
        while (i < args.Length && args[i].StartsWith('-'))
            i += GlobalValueOptions.Contains(args[i]) ? 2 : 1;
        return i;
    }

    private static readonly HashSet<string> GlobalValueOptions = ["--root", "--log", "--log-format", "--criu", "--rootless"];
    private static readonly HashSet<string> ExecValueOptions =
    [
        "--process", "-p", "--console-socket", "--cwd", "--env", "-e", "--user", "-u", "--additional-gids", "-g",
        "--cap", "-c", "--pid-file", "--preserve-fds", "--process-label", "--apparmor", "--cgroup",
    ];

    /// <summary>
    /// As runc (urfave/cli), everything after exec's container id is the command, flags included:
    /// <c>exec ID sh -c 'x'</c> must not read <c>-c</c> as --cap.
    /// </summary>
    private static string[] EndOptionsAfterExecId(string[] args)
    {
        var i = VerbIndex(args);
        if (i >= args.Length || args[i] != "exec")
            return args;
        for (i++; i < args.Length; i++)
        {
            if (args[i] == "--")
                return args;
            if (!args[i].StartsWith('-'))
                break;
            if (ExecValueOptions.Contains(args[i]))
                i++;
        }
        if (i + 1 >= args.Length)
            return args;
        return [.. args[..(i + 1)], "--", .. args[(i + 1)..]];
    }

    /// <summary>Go's flag package accepts -flag as well as --flag; callers of runc use both.</summary>
    private static string[] Normalize(string[] args) =>
        [.. args.Select(a => a.Length > 2 && a[0] == '-' && a[1] != '-' && !char.IsDigit(a[1]) && a.IndexOf('=') is var eq && (eq < 0 ? a.Length : eq) > 2 ? "-" + a : a)];

    /// <summary>Runs a verb with runc's error handling: the message on stderr and in --log, exit 1.</summary>
    public static int Execute(ParseResult parse, Func<Context, int> action)
    {
        var log = new RuntimeLog(parse.GetValue(Log), parse.GetValue(LogFormat) ?? "text", parse.GetValue(Debug));
        try
        {
            if (parse.GetValue(SystemdCgroup))
                throw new RuntimeException("--systemd-cgroup: the systemd cgroup driver is not supported; use the cgroupfs driver (omit the flag)");
            var store = new StateStore(parse.GetValue(Root) ?? StateStore.DefaultRoot);
            return action(new Context(store, log, parse));
        }
        catch (Exception e) when (e is RuntimeException or LinuxException or SpecException or CgroupException or IOException or UnauthorizedAccessException)
        {
            log.Error(e.Message);
            Console.Error.WriteLine($"berth-runtime: {e.Message}");
            return 1;
        }
    }
}

/// <summary>What every verb gets: the state store, the log and its parsed arguments.</summary>
public sealed record Context(StateStore Store, RuntimeLog Log, ParseResult Parse);
