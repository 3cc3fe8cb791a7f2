using System.Net;

namespace Berth.Distribution.Client.Transport;

/// <summary>
/// docker's <c>insecure-registries</c>: registries (host:port, or a CIDR their address falls in)
/// that may be reached over plain HTTP or without verifying their certificate (REG-TLS-2).
/// Loopback (127.0.0.0/8, ::1, localhost) is always insecure, as docker treats it.
/// Host names are matched as written; unlike docker, names are not resolved to test CIDRs, so a
/// DNS answer cannot turn verification off.
/// </summary>
public sealed class InsecureRegistries
{
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _networks = [];

    public InsecureRegistries(IEnumerable<string> entries)
    {
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0)
                continue;
            if (entry.Contains("://", StringComparison.Ordinal))
                throw new FormatException($"insecure registry {entry}: should not contain '://'");
            if (entry.Contains('/') && IPNetwork.TryParse(entry, out var network))
                _networks.Add(network);
            else if (entry.Contains('/'))
                throw new FormatException($"insecure registry {entry}: not a host[:port] or a CIDR");
            else
                _hosts.Add(entry);
        }
        Entries = [.. _hosts, .. _networks.Select(n => n.ToString())];
    }

    /// <summary>Only loopback.</summary>
    public static InsecureRegistries LoopbackOnly { get; } = new([]);

    public IReadOnlyList<string> Entries { get; }

    /// <param name="authority">host[:port] as in an image reference: "10.0.0.5:5000", "[::1]:5000".</param>
    public bool IsInsecure(string authority)
    {
        if (_hosts.Contains(authority))
            return true;
        var host = HostOf(authority);
        if (_hosts.Contains(host) || IsLoopback(host))
            return true;
        return IPAddress.TryParse(host, out var ip) && _networks.Any(n => n.Contains(ip));
    }

    /// <summary>127.0.0.0/8, ::1 and the name localhost.</summary>
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>169.254.0.0/16 and fe80::/10: cloud metadata services live there.</summary>
    public static bool IsLinkLocal(string host)
    {
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var ip))
            return false;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        return ip.IsIPv6LinkLocal || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes() is [169, 254, ..]);
    }

    /// <summary>The host of host[:port], without IPv6 brackets.</summary>
    public static string HostOf(string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            return close > 0 ? authority[1..close] : authority;
        }
        var colon = authority.LastIndexOf(':');
        return colon > 0 && authority.IndexOf(':') == colon ? authority[..colon] : authority;
    }
}
