using System.CommandLine;
using System.Net.Http;
using System.Security.Cryptography;
using Berth.Distribution.Client;
using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Errors;

namespace Berth.Cli.Commands;

/// <summary>logout [SERVER]: forgets the login, in config.json and in the credential helper that holds it.</summary>
public static class LogoutCommand
{
    public static Command Build()
    {
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("logout", "log out from a registry") { server };
        cmd.SetAction(p => Guard(() =>
        {
            var address = ServerAddress.Normalize(p.GetValue(server));
            if (DockerCredentialStore.Default().Erase(address))
                Console.Out.Write($"Removing login credentials for {address}\n");
            else
                Console.Out.Write($"Not logged in to {address}\n");
            return 0;
        }));
        return cmd;
    }

    /// <summary>docker's error convention for the verbs that need no image store: "Error: …" on stderr, exit 1.</summary>
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is RegistryException or CredentialHelperException or HttpRequestException or CryptographicException
            or IOException or FormatException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"Error: {e.Message}");
            return 1;
        }
    }
}
