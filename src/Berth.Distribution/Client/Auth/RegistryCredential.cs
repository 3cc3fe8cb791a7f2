namespace Berth.Distribution.Client.Auth;

/// <summary>
/// What a user logged in with: a username and password, or an identity token (an OAuth2
/// refresh token the registry issued at login, which docker stores instead of the password).
/// </summary>
public sealed record RegistryCredential(string Username, string Password, string? IdentityToken = null)
{
    public bool HasIdentityToken => !string.IsNullOrEmpty(IdentityToken);

    public bool HasPassword => !string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password);

    /// <summary>Never print secrets, even by accident in a log.</summary>
    public override string ToString() => $"RegistryCredential {{ Username = {Username} }}";
}
