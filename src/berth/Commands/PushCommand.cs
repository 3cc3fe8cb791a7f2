using System.CommandLine;
using Berth.Distribution.Client;
using Berth.Distribution.Client.Push;
using Berth.Images.References;

namespace Berth.Cli.Commands;

/// <summary>push NAME[:TAG]: uploads an image to its registry, docker's output line for line.</summary>
public static class PushCommand
{
    public static Command Build(string name)
    {
        var image = new Argument<string>("NAME[:TAG]");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "suppress verbose output" };
        var insecure = PullCommand.InsecureRegistryOption();
        var cmd = new Command(name, "upload an image to a registry") { image, quiet, insecure };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var reference = ImageReference.Parse(p.GetValue(image)!);
            var typed = p.GetValue(image)!;
            if (!typed.Contains('@') && typed.LastIndexOf(':') <= typed.LastIndexOf('/') && !p.GetValue(quiet))
                Console.Out.Write("Using default tag: latest\n");
            var client = new RegistryClient(RegistryClientDefaults.Load(p.GetValue(insecure) ?? []));
            var q = p.GetValue(quiet);
            if (!q)
                Console.Out.Write($"The push refers to repository [{reference.Repository}]\n");
            var printed = new HashSet<string>();
            var sync = new Lock();
            void Report(PushProgress e)
            {
                var text = e.Phase switch
                {
                    PushPhase.Pushed => "Pushed",
                    PushPhase.AlreadyExists => "Layer already exists",
                    PushPhase.Mounted => $"Mounted from {e.From}",
                    PushPhase.Preparing => "Preparing",
                    _ => null,
                };
                if (q || text is null)
                    return;
                lock (sync)
                {
                    if (printed.Add($"{e.Id} {text}"))
                        Console.Out.Write($"{e.Id}: {text}\n");
                }
            }
            var result = new ImagePusher(store, client) { Progress = Report }
                .PushAsync(p.GetValue(image)!, reference, CancellationToken.None).GetAwaiter().GetResult();
            Console.Out.Write($"{result.Reference}: digest: {result.Digest} size: {result.Size}\n");
            return 0;
        }));
        return cmd;
    }
}
