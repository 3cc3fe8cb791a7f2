using Berth.Distribution.Client.Credentials;
using Berth.Distribution.Client.Tls;
using Berth.Distribution.Client.Transport;

namespace Berth.Distribution.Client;

/// <summary>How the registry client reaches registries: trust, insecure list, mirrors, credentials, limits.</summary>
public sealed record RegistryClientOptions
{
    public InsecureRegistries Insecure { get; init; } = InsecureRegistries.LoopbackOnly;

    /// <summary>docker's <c>registry-mirrors</c>: tried in order for pulls from docker.io.</summary>
    public IReadOnlyList<Uri> Mirrors { get; init; } = [];

    public string CertsDirectory { get; init; } = Tls.CertsDirectory.DefaultRoot;

    /// <summary>Where logins are looked up; null for anonymous access only.</summary>
    public ICredentialStore? Credentials { get; init; }

    /// <summary>
    /// Connect to another address than DNS gives, as curl's --resolve: "registry.test:5000" →
    /// "127.0.0.1:41234". TLS still verifies the name in the URL. For tests and split-horizon setups.
    /// </summary>
    public IReadOnlyDictionary<string, string> Resolve { get; init; } = new Dictionary<string, string>();

    /// <summary>Attempts per request on 429, 5xx and dropped connections (idempotent requests only for the latter).</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A longer Retry-After is cut to this, so a hostile registry cannot stall a pull for days.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>docker pulls 3 layers at a time by default (max-concurrent-downloads).</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;

    public int MaxConcurrentUploads { get; init; } = 5;

    /// <summary>Blobs up to this size are uploaded in one PUT; larger ones in PATCH chunks of <see cref="UploadChunkSize"/>.</summary>
    public long MonolithicUploadLimit { get; init; } = 16L << 20;

    public int UploadChunkSize { get; init; } = 8 << 20;

    /// <summary>Times a broken blob download resumes (HTTP Range) before the pull fails.</summary>
    public int MaxResumes { get; init; } = 5;

    public TimeSpan DefaultTokenLifetime { get; init; } = TimeSpan.FromSeconds(60);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public string UserAgent { get; init; } = "berth/0.1";

    internal CertsDirectory Certs => new(CertsDirectory);
}
