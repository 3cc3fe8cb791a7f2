using System.CommandLine;
using System.Text;
using Berth.Distribution.Client;
using Berth.Distribution.Client.Auth;
using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Login;

namespace Berth.Cli.Commands;

/// <summary>
/// login [-u USER] [-p PASS | --password-stdin] [SERVER]: checks the credentials against the
/// registry, then stores them where docker would (config.json or its credential helper).
/// </summary>
public static class LoginCommand
{
    public static Command Build()
    {
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var username = new Option<string?>("--username", "-u") { Description = "username" };
        var password = new Option<string?>("--password", "-p") { Description = "password or personal access token" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "take the password or personal access token from stdin" };
        var insecure = PullCommand.InsecureRegistryOption();
        var cmd = new Command("login", "authenticate to a registry") { server, username, password, passwordStdin, insecure };
        cmd.SetAction(p => LogoutCommand.Guard(() =>
        {
            var address = ServerAddress.Normalize(p.GetValue(server));
            var user = p.GetValue(username);
            var secret = p.GetValue(password);
            if (p.GetValue(passwordStdin))
            {
                if (secret is not null)
                    throw new ArgumentException("--password and --password-stdin are mutually exclusive");
                if (string.IsNullOrEmpty(user))
                    throw new ArgumentException("must provide --username with --password-stdin");
                secret = Console.In.ReadToEnd().TrimEnd('\n', '\r');
            }
            else if (secret is not null)
            {
                Console.Error.Write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
            }
            if (string.IsNullOrEmpty(user))
                user = Prompt("Username: ", hidden: false);
            if (string.IsNullOrEmpty(secret))
                secret = Prompt("Password: ", hidden: true);
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(secret))
                throw new ArgumentException("username and password are required");
            var options = RegistryClientDefaults.Load(p.GetValue(insecure) ?? []);
            var verified = RegistryLogin.VerifyAsync(options, address, new RegistryCredential(user, secret), CancellationToken.None).GetAwaiter().GetResult();
            options.Credentials!.Store(address, verified);
            Console.Out.Write("Login Succeeded\n");
            return 0;
        }));
        return cmd;
    }

    private static string Prompt(string label, bool hidden)
    {
        if (Console.IsInputRedirected)
            throw new ArgumentException("cannot perform an interactive login from a non TTY device");
        Console.Out.Write(label);
        if (!hidden)
            return Console.ReadLine() ?? "";
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace && text.Length > 0)
                text.Length--;
            else if (!char.IsControl(key.KeyChar))
                text.Append(key.KeyChar);
        }
        Console.Out.Write("\n");
        return text.ToString();
    }
}
