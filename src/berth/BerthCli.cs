using System.CommandLine;
using Berth.Cli.Commands;
using Berth.Images.Bundles;
using Berth.Images.Content;
using Berth.Images.Layers;
using Berth.Images.Metadata;
using Berth.Images.Oci;
using Berth.Images.Store;
using Berth.Linux;

namespace Berth.Cli;

/// <summary>The daemonless front door: acts on the image store under --root directly, as podman does.</summary>
public static class BerthCli
{
    public static readonly Option<string> Root = new("--root") { Description = "root directory of the image store", DefaultValueFactory = _ => ImageStore.DefaultRoot, Recursive = true };
    public static readonly Option<string?> StorageDriver = new("--storage-driver") { Description = "snapshotter: overlay (default where the kernel has it) or native", Recursive = true };

    public const string Version = "0.1.0";

    public static int Run(string[] args)
    {
        var root = new RootCommand("berth: images and containers without a daemon");
        root.Options.Add(Root);
        root.Options.Add(StorageDriver);
        root.Subcommands.Add(ImageCommands.Build());
        root.Subcommands.Add(SystemCommands.Build());
        root.Subcommands.Add(RegistryCommands.Build());
        root.Subcommands.Add(LoginCommand.Build());
        root.Subcommands.Add(LogoutCommand.Build());
        foreach (var alias in ImageCommands.TopLevelAliases())
            root.Subcommands.Add(alias);
        return root.Parse(args).Invoke();
    }

    /// <summary>Opens the store and runs a verb with docker's error convention: "Error: …" on stderr, exit 1.</summary>
    public static int Execute(ParseResult parse, Func<ImageStore, int> action)
    {
        try
        {
            using var store = ImageStore.Open(parse.GetValue(Root) ?? ImageStore.DefaultRoot, parse.GetValue(StorageDriver));
            return action(store);
        }
        catch (Exception e) when (e is Images.Formats.ArchiveFormatException or ImageNotFoundException or ImageInUseException or ImageFormatException or ContentException
            or LayerException or BundleException or MetadataException or LinuxException or IOException or FormatException
            or UnauthorizedAccessException or ArgumentException
            or Distribution.Client.Errors.RegistryException or Distribution.Client.Credentials.CredentialHelperException
            or HttpRequestException or System.Security.Cryptography.CryptographicException)
        {
            Console.Error.WriteLine(Environment.GetEnvironmentVariable("BERTH_DEBUG") == "1" ? $"Error: {e}" : $"Error: {e.Message}");
            return 1;
        }
    }
}
