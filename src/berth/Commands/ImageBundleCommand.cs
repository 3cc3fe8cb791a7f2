using System.CommandLine;
using Berth.Images.Bundles;
using Berth.Images.Store;

namespace Berth.Cli.Commands;

/// <summary>
/// image bundle IMAGE DIR: an OCI runtime bundle (config.json + rootfs mounted from a writable
/// snapshot) that <c>berth-runtime run</c> (or runc) runs; image unbundle DIR takes it down.
/// </summary>
public static class ImageBundleCommand
{
    public static Command Build()
    {
        var image = new Argument<string>("IMAGE");
        var dir = new Argument<string>("DIR");
        var user = new Option<string?>("--user", "-u") { Description = "user (name|uid[:group|gid]) instead of the image's" };
        var env = new Option<string[]>("--env", "-e") { Description = "set environment variables" };
        var workdir = new Option<string?>("--workdir", "-w") { Description = "working directory instead of the image's" };
        var entrypoint = new Option<string?>("--entrypoint") { Description = "overwrite the image's entrypoint" };
        var tty = new Option<bool>("--tty", "-t") { Description = "allocate a terminal" };
        var capAdd = new Option<string[]>("--cap-add") { Description = "add Linux capabilities" };
        var capDrop = new Option<string[]>("--cap-drop") { Description = "drop Linux capabilities" };
        var readOnly = new Option<bool>("--read-only") { Description = "mount the container's root filesystem as read only" };
        var hostname = new Option<string?>("--hostname", "-h") { Description = "container host name" };
        var command = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("bundle", "write an OCI runtime bundle for an image") { image, dir, command, user, env, workdir, entrypoint, tty, capAdd, capDrop, readOnly, hostname };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var args = p.GetValue(command) ?? [];
            var options = new BundleOptions
            {
                User = p.GetValue(user),
                Env = p.GetValue(env),
                WorkingDir = p.GetValue(workdir),
                Entrypoint = p.GetValue(entrypoint) is { } e ? [e] : null,
                Cmd = args.Length > 0 ? args : null,
                Terminal = p.GetValue(tty),
                CapAdd = p.GetValue(capAdd),
                CapDrop = p.GetValue(capDrop),
                ReadonlyRootfs = p.GetValue(readOnly),
                Hostname = p.GetValue(hostname),
            };
            var plan = ImageBundles.Create(store, p.GetValue(image)!, p.GetValue(dir)!, options);
            foreach (var v in plan.Volumes)
                Console.Error.WriteLine($"berth: volume {v} of the image is not mounted (no volume manager yet)");
            return 0;
        }));
        return cmd;
    }

    public static Command BuildRemove()
    {
        var dir = new Argument<string>("DIR");
        var cmd = new Command("unbundle", "unmount and remove a bundle made by image bundle") { dir };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            ImageBundles.Remove(store, p.GetValue(dir)!);
            return 0;
        }));
        return cmd;
    }
}
