using System.CommandLine;
using System.Runtime.InteropServices;
using Berth.Distribution.Server;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;

namespace Berth.Cli.Commands;

/// <summary>registry serve: an OCI distribution registry over a root; registry gc: its offline garbage collection.</summary>
public static class RegistryCommands
{
    /// <summary>Where the registry keeps its data when --root is not given: beside the image store, never inside it.</summary>
    public const string DefaultRoot = "/var/lib/berth-registry";

    public static Command Build()
    {
        var registry = new Command("registry", "run an OCI distribution registry");
        registry.Subcommands.Add(BuildServe());
        registry.Subcommands.Add(BuildGc());
        return registry;
    }

    private static Command BuildServe()
    {
        var addr = new Option<string>("--addr") { Description = "address to listen on (host:port, or :port for every address)", DefaultValueFactory = _ => "127.0.0.1:5000" };
        var htpasswd = new Option<string?>("--htpasswd") { Description = "require Basic auth against this htpasswd file (bcrypt entries, htpasswd -B)" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "serve TLS with this PEM certificate (chain)" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "the PEM private key of --tls-cert" };
        var readOnly = new Option<bool>("--read-only") { Description = "refuse every write (for gc beside a live server)" };
        var uploadTimeout = new Option<int>("--upload-timeout") { Description = "seconds an idle upload session lives", DefaultValueFactory = _ => (int)RegistryStorage.DefaultUploadTimeout.TotalSeconds };
        var serve = new Command("serve", "serve the OCI distribution API") { addr, htpasswd, tlsCert, tlsKey, readOnly, uploadTimeout };
        serve.SetAction((p, cancel) => Guard(async () =>
        {
            var options = new RegistryOptions
            {
                Listen = RegistryOptions.ParseAddress(p.GetValue(addr)!),
                Root = RootOf(p),
                HtpasswdFile = p.GetValue(htpasswd),
                TlsCertificateFile = p.GetValue(tlsCert),
                TlsKeyFile = p.GetValue(tlsKey),
                ReadOnly = p.GetValue(readOnly),
                UploadTimeout = TimeSpan.FromSeconds(Math.Max(1, p.GetValue(uploadTimeout))),
            };
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
            await using var server = await RegistryServer.StartAsync(options, stop.Token).ConfigureAwait(false);
            // Tests and scripts read the port from this line when they pass port 0.
            Console.Out.Write($"listening on {server.Address}{(options.ReadOnly ? " (read-only)" : "")}\n");
            Console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        }));
        return serve;
    }

    private static Command BuildGc()
    {
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "only print what would be removed" };
        var gc = new Command("gc", "remove blobs no manifest references (run with the server stopped or --read-only)") { dryRun };
        gc.SetAction((p, _) => Guard(() =>
        {
            var dry = p.GetValue(dryRun);
            var result = RegistryGarbageCollector.Run(RootOf(p), dry);
            var verb = dry ? "would " : "";
            foreach (var link in result.UnlinkedBlobs)
                Console.Out.Write($"{verb}unlink {link}\n");
            foreach (var blob in result.DeletedBlobs)
                Console.Out.Write($"{verb}delete {blob}\n");
            Console.Out.Write($"{(dry ? "would free" : "freed")} {result.BytesFreed} bytes in {result.DeletedBlobs.Count} blobs\n");
            return Task.FromResult(0);
        }));
        return gc;
    }

    /// <summary>The global --root when given; otherwise the registry's own default, not the image store's.</summary>
    private static string RootOf(ParseResult parse) =>
        parse.GetResult(BerthCli.Root) is { Implicit: false } ? parse.GetValue(BerthCli.Root)! : DefaultRoot;

    private static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or ContentException
            or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or Linux.LinuxException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }
}
