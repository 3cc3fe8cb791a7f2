using Berth.Distribution.Protocol;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Berth.Images.Oci;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Server;

/// <summary><c>GET</c>, <c>HEAD</c>, <c>PUT</c> and <c>DELETE /v2/&lt;name&gt;/manifests/&lt;tag or digest&gt;</c>.</summary>
internal sealed class ManifestHandler(RegistryStorage storage)
{
    /// <summary>REG-SIZE-1: the same 4 MiB as the image library, containerd and distribution.</summary>
    public const int MaxManifestSize = ManifestParser.MaxDocumentSize;

    public async Task GetAsync(HttpContext context, string name, string reference)
    {
        var manifest = Resolve(name, reference);
        // What distribution does: an OCI document is not handed to a client whose Accept header
        // names types and none of them is it (an old docker would misread it). Docker types are served
        // whatever the header says, as they were the default before Accept existed.
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Length > 0 && manifest.MediaType.StartsWith("application/vnd.oci.", StringComparison.Ordinal)
            && !accept.Contains(manifest.MediaType, StringComparison.Ordinal) && !accept.Contains("*/*", StringComparison.Ordinal))
            throw new ErrorResponseException(404, ErrorCodes.ManifestUnknown, "manifest unknown",
                $"manifest {manifest.Digest} is {manifest.MediaType}, which the Accept header does not list");
        byte[] bytes;
        try
        {
            bytes = storage.Content.ReadAllBytes(manifest.Digest, MaxManifestSize);
        }
        catch (ContentNotFoundException)
        {
            throw ErrorResponseException.ManifestUnknown(reference);
        }
        var response = context.Response;
        response.ContentType = manifest.MediaType;
        // Computed from the bytes served, never copied from what a client once claimed (REG-SRV-1).
        var digest = Digest.Compute(bytes, manifest.Digest.Algorithm);
        response.Headers[RegistryHttp.ContentDigestHeader] = digest.ToString();
        response.Headers.ETag = $"\"{digest}\"";
        response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    public async Task PutAsync(HttpContext context, string name, string reference)
    {
        string? tag = null;
        Digest? byDigest = null;
        if (Digest.TryParse(reference, out var d, out _))
            byDigest = d;
        else if (DistributionNames.IsValidTag(reference))
            tag = reference;
        else if (reference.Contains(':'))
            throw ErrorResponseException.DigestInvalid("provided digest is invalid", reference);
        else
            throw new ErrorResponseException(400, ErrorCodes.ManifestInvalid, "manifest invalid", $"tag \"{reference}\" is invalid");

        var bytes = await ReadBodyAsync(context).ConfigureAwait(false);
        var inspected = ManifestInspector.Inspect(bytes, context.Request.ContentType);
        var digest = Digest.Compute(bytes, byDigest?.Algorithm ?? Digest.Sha256);
        if (byDigest is { } expected && expected != digest)
            throw ErrorResponseException.DigestInvalid("provided digest did not match uploaded content", $"manifest has digest {digest}, not {expected}");
        CheckReferences(name, inspected);

        // A ref of its own per request: two clients pushing the same manifest at once must not
        // collide on one ingest lock.
        storage.Content.Ingest("manifest-" + Guid.NewGuid().ToString("N"), new MemoryStream(bytes, writable: false), bytes.Length, digest);
        var record = new ManifestRecord(digest, inspected.MediaType, bytes.Length, inspected.ArtifactType, inspected.Subject, inspected.AnnotationsJson);
        var references = inspected.Blobs.Concat(inspected.Manifests).Select(x => x.Digest);
        storage.Database.Write(tx => tx.PutManifest(name, record, references, tag));

        var response = context.Response;
        response.StatusCode = StatusCodes.Status201Created;
        response.Headers.Location = RegistryHttp.ManifestLocation(name, digest);
        response.Headers[RegistryHttp.ContentDigestHeader] = digest.ToString();
        if (inspected.Subject is { } subject)
            response.Headers["OCI-Subject"] = subject.ToString();
        response.ContentLength = 0;
    }

    /// <summary>By digest: the manifest and its tags go. By tag (OCI 1.1): only the tag goes.</summary>
    public Task DeleteAsync(HttpContext context, string name, string reference)
    {
        bool removed;
        if (Digest.TryParse(reference, out var digest, out _))
            removed = storage.Database.Write(tx => tx.DeleteManifest(name, digest));
        else if (DistributionNames.IsValidTag(reference))
            removed = storage.Database.Write(tx => tx.DeleteTag(name, reference));
        else
            throw ErrorResponseException.ManifestUnknown(reference);
        if (!removed)
            throw ErrorResponseException.ManifestUnknown(reference);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private ManifestRecord Resolve(string name, string reference) => storage.Database.Read(tx =>
    {
        if (tx.RepositoryId(name) is null)
            throw ErrorResponseException.NameUnknown(name);
        Digest digest;
        if (Digest.TryParse(reference, out var d, out _))
            digest = d;
        else if (DistributionNames.IsValidTag(reference) && tx.ResolveTag(name, reference) is { } tagged)
            digest = tagged;
        else
            throw ErrorResponseException.ManifestUnknown(reference);
        return tx.GetManifest(name, digest) ?? throw ErrorResponseException.ManifestUnknown(reference);
    });

    /// <summary>Everything the manifest names must already be in this repository, but for foreign layers that carry urls.</summary>
    private void CheckReferences(string name, InspectedManifest manifest)
    {
        foreach (var blob in manifest.Blobs)
        {
            if (blob.Urls is { Count: > 0 })
                continue;
            var linked = storage.Database.Read(tx => tx.IsLinked(name, blob.Digest));
            var info = linked && storage.Content.Exists(blob.Digest) ? storage.Content.Info(blob.Digest) : null;
            if (info is null)
                throw new ErrorResponseException(400, ErrorCodes.ManifestBlobUnknown, "blob unknown to registry", blob.Digest.ToString());
            if (info.Size != blob.Size)
                throw new ErrorResponseException(400, ErrorCodes.ManifestInvalid, "manifest invalid",
                    $"blob {blob.Digest}: descriptor size {blob.Size} does not match the stored {info.Size}");
        }
        foreach (var child in manifest.Manifests)
        {
            if (storage.Database.Read(tx => tx.GetManifest(name, child.Digest)) is null)
                throw new ErrorResponseException(400, ErrorCodes.ManifestBlobUnknown, "blob unknown to registry", child.Digest.ToString());
        }
    }

    /// <summary>The body, refused before it is read when it announces more than 4 MiB, and as soon as it passes 4 MiB when it did not.</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxManifestSize)
            throw TooLarge(context.Request.ContentLength.Value);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while ((n = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxManifestSize)
                throw TooLarge(buffer.Length + n);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static ErrorResponseException TooLarge(long size) =>
        new(StatusCodes.Status413PayloadTooLarge, ErrorCodes.SizeInvalid, "manifest too large",
            $"manifest of {size} bytes or more exceeds the 4 MiB limit");
}
