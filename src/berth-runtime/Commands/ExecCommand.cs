using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Berth.Oci.Runtime;
using Berth.Runtime;

namespace Berth.RuntimeCli.Commands;

/// <summary>exec: runs a new process inside a running container; the exit status is the process's.</summary>
public static class ExecCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("container-id");
        var command = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        var process = new Option<string?>("--process", "-p") { Description = "path to the process.json" };
        var consoleSocket = new Option<string?>("--console-socket") { Description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" };
        var cwd = new Option<string?>("--cwd") { Description = "current working directory in the container" };
        var env = new Option<string[]>("--env", "-e") { Description = "set environment variables", AllowMultipleArgumentsPerToken = false };
        var tty = new Option<bool>("--tty", "-t") { Description = "allocate a pseudo-TTY" };
        var user = new Option<string?>("--user", "-u") { Description = "UID (format: <uid>[:<gid>])" };
        var gids = new Option<string[]>("--additional-gids", "-g") { Description = "additional gids" };
        var caps = new Option<string[]>("--cap", "-c") { Description = "add a capability to the bounding set for the process" };
        var noNewPrivs = new Option<bool>("--no-new-privs") { Description = "set the no new privileges value for the process" };
        var detach = new Option<bool>("--detach", "-d") { Description = "detach from the container's process" };
        var pidFile = new Option<string?>("--pid-file") { Description = "specify the file to write the process id to" };
        var preserve = new Option<int>("--preserve-fds") { Description = "pass N additional file descriptors to the container" };
        var label = new Option<string?>("--process-label") { Description = "set the asm process label for the process commonly used with selinux", Hidden = true };
        var apparmor = new Option<string?>("--apparmor") { Description = "set the apparmor profile for the process", Hidden = true };
        var cgroup = new Option<string[]>("--cgroup") { Description = "run the process in an (existing) sub-cgroup(s)", Hidden = true };
        var ignorePaused = new Option<bool>("--ignore-paused") { Hidden = true };
        var cmd = new Command("exec", "execute new process inside the container")
        {
            id, command, process, consoleSocket, cwd, env, tty, user, gids, caps, noNewPrivs, detach, pidFile, preserve, label, apparmor, cgroup, ignorePaused,
        };
        cmd.SetAction(p => Cli.Execute(p, ctx =>
        {
            var container = Container.Load(ctx.Store, p.GetValue(id) ?? "");
            Process proc;
            if (p.GetValue(process) is { } processFile)
            {
                proc = LoadProcess(processFile);
            }
            else
            {
                proc = container.State.CopyConfig().Process ?? new Process { Cwd = "/" };
                proc.Args = [.. p.GetValue(command) ?? []];
                proc.Terminal = p.GetValue(tty);
                if (p.GetValue(env) is { Length: > 0 } extra)
                    proc.Env = [.. proc.Env ?? [], .. extra];
                if (p.GetValue(cwd) is { } dir)
                    proc.Cwd = dir;
                if (p.GetValue(user) is { } u)
                    proc.User = ParseUser(u, proc.User);
                if (p.GetValue(gids) is { Length: > 0 } g)
                    (proc.User ??= new User()).AdditionalGids = [.. g.Select(x => ParseId(x, "--additional-gids"))];
                if (p.GetValue(caps) is { Length: > 0 } c)
                    proc.Capabilities = AddCaps(proc.Capabilities, c);
                if (p.GetValue(noNewPrivs))
                    proc.NoNewPrivileges = true;
                if (p.GetValue(apparmor) is { Length: > 0 } profile)
                    proc.ApparmorProfile = profile;
            }
            if (proc.Args is not { Count: > 0 })
                throw new RuntimeException("exec: process.args: must not be empty (give a command or --process)");
            if (string.IsNullOrEmpty(proc.Cwd))
                proc.Cwd = "/";
            return new ContainerExec(ctx.Log).Exec(container, new ExecOptions
            {
                Process = proc,
                ConsoleSocket = p.GetValue(consoleSocket),
                PidFile = p.GetValue(pidFile),
                Detach = p.GetValue(detach),
                PreserveFds = p.GetValue(preserve),
            });
        }));
        return cmd;
    }

    private static Process LoadProcess(string path)
    {
        try
        {
            var spec = SpecLoader.Parse(
                System.Text.Encoding.UTF8.GetBytes("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/\"},\"process\":" + File.ReadAllText(path) + "}"),
                Path.GetFileName(path));
            return spec.Process!;
        }
        catch (FileNotFoundException)
        {
            throw new RuntimeException($"--process: {path}: no such file or directory");
        }
    }

    private static User ParseUser(string value, User? current)
    {
        var parts = value.Split(':', 2);
        var user = new User { Uid = ParseId(parts[0], "--user"), Gid = parts.Length > 1 ? ParseId(parts[1], "--user") : 0, AdditionalGids = current?.AdditionalGids, Umask = current?.Umask };
        return user;
    }

    private static uint ParseId(string s, string flag) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= int.MaxValue
            ? v
            : throw new RuntimeException($"{flag}: \"{s}\" is not a numeric id in the range 0-2147483647");

    // CVE-2022-29162: an added capability joins bounding, effective and permitted — never the
    // inheritable or ambient sets.
    private static LinuxCapabilities AddCaps(LinuxCapabilities? caps, string[] names)
    {
        caps ??= new LinuxCapabilities();
        foreach (var raw in names)
        {
            var name = raw.StartsWith("CAP_", StringComparison.Ordinal) ? raw : "CAP_" + raw.ToUpperInvariant();
            if (!Capabilities.All.ContainsKey(name))
                throw new RuntimeException($"--cap: unknown capability \"{raw}\"");
            caps.Bounding = Add(caps.Bounding, name);
            caps.Effective = Add(caps.Effective, name);
            caps.Permitted = Add(caps.Permitted, name);
        }
        return caps;
    }

    private static List<string> Add(List<string>? list, string name) =>
        list is null ? [name] : list.Contains(name) ? list : [.. list, name];
}
