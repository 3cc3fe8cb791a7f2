using System.CommandLine;
using Berth.Distribution.Client;
using Berth.Distribution.Client.Pull;
using Berth.Images.Oci;
using Berth.Images.References;

namespace Berth.Cli.Commands;

/// <summary>pull NAME[:TAG|@DIGEST]: fetches an image from its registry, verifies, unpacks and names it.</summary>
public static class PullCommand
{
    public static Command Build(string name)
    {
        var image = new Argument<string>("NAME[:TAG|@DIGEST]");
        var platform = new Option<string?>("--platform") { Description = "set platform if server is multi-platform capable (os/arch[/variant])" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "suppress verbose output" };
        var insecure = InsecureRegistryOption();
        var cmd = new Command(name, "download an image from a registry") { image, platform, quiet, insecure };
        cmd.SetAction(p => BerthCli.Execute(p, store =>
        {
            var reference = ImageReference.Parse(p.GetValue(image)!);
            var matcher = p.GetValue(platform) is { } spec ? new PlatformMatcher(Platform.Parse(spec)) : PlatformMatcher.Default;
            var typed = p.GetValue(image)!;
            if (!typed.Contains('@') && typed.LastIndexOf(':') <= typed.LastIndexOf('/') && !p.GetValue(quiet))
                Console.Out.Write("Using default tag: latest\n");
            var client = new RegistryClient(RegistryClientDefaults.Load(p.GetValue(insecure) ?? []));
            var q = p.GetValue(quiet);
            void Resolved(Descriptor _)
            {
                if (!q)
                    Console.Out.Write($"{(reference.Digest?.ToString() ?? reference.Tag)}: Pulling from {reference.Path}\n");
            }
            var view = new PullProgressView(interactive: !Console.IsOutputRedirected, q);
            var result = view.Run(progress =>
                new ImagePuller(store, client) { Progress = progress, Resolved = Resolved }.PullAsync(reference, matcher, CancellationToken.None).GetAwaiter().GetResult());
            if (!q)
            {
                Console.Out.Write($"Digest: {result.Target.Digest}\n");
                Console.Out.Write(result.Updated
                    ? $"Status: Downloaded newer image for {reference.Familiar}\n"
                    : $"Status: Image is up to date for {reference.Familiar}\n");
            }
            Console.Out.Write(reference + "\n");
            return 0;
        }));
        return cmd;
    }

    /// <summary>docker's daemon option, per command here since there is no daemon: added to daemon.json's list.</summary>
    public static Option<string[]> InsecureRegistryOption() =>
        new("--insecure-registry") { Description = "registry (host:port or CIDR) that may be reached over plain HTTP or without TLS verification", AllowMultipleArgumentsPerToken = false };
}
