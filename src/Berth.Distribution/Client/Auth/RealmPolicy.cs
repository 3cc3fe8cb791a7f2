using Berth.Distribution.Client.Errors;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client.Auth;

/// <summary>
/// Which token realms a registry may send credentials to (REG-AUTH-3, stricter than docker): an
/// https URL unless the registry itself is insecure, and no loopback or link-local host unless the
/// registry is on one, so that a registry cannot aim a user's password at a local service.
/// </summary>
public static class RealmPolicy
{
    /// <exception cref="RegistryAuthException">The realm breaks the rules; nothing was sent to it.</exception>
    public static Uri Check(string? realm, RegistryEndpoint registry)
    {
        if (string.IsNullOrEmpty(realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var uri))
            throw new RegistryAuthException($"registry {registry}: bearer challenge has no valid realm (\"{realm}\")");
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && registry.Insecure))
            throw new RegistryAuthException($"registry {registry}: token realm {uri.GetLeftPart(UriPartial.Path)} must use https");
        var host = registry.BaseUri.Host;
        if (InsecureRegistries.IsLoopback(uri.Host) && !InsecureRegistries.IsLoopback(host))
            throw new RegistryAuthException($"registry {registry}: token realm {uri.GetLeftPart(UriPartial.Path)} is a loopback address");
        if (InsecureRegistries.IsLinkLocal(uri.Host) && !InsecureRegistries.IsLinkLocal(host))
            throw new RegistryAuthException($"registry {registry}: token realm {uri.GetLeftPart(UriPartial.Path)} is a link-local address");
        return uri;
    }
}
