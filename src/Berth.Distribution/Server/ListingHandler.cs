using System.Globalization;
using System.Text.Json;
using Berth.Distribution.Protocol;
using Berth.Distribution.Server.Storage;
using Berth.Images.Content;
using Berth.Images.Oci;
using Microsoft.AspNetCore.Http;

namespace Berth.Distribution.Server;

/// <summary>
/// The list endpoints: <c>tags/list</c> and <c>_catalog</c> (lexical order, <c>n</c> and <c>last</c>
/// pagination, a <c>Link: &lt;…&gt;; rel="next"</c> header while more remain), and the referrers API.
/// </summary>
internal sealed class ListingHandler(RegistryStorage storage)
{
    /// <summary>A catalog asked for without <c>n</c> is paged by this much, as distribution pages by 100.</summary>
    public const int DefaultCatalogPage = 1000;

    public Task TagsAsync(HttpContext context, string name)
    {
        var (limit, last) = Page(context, int.MaxValue - 1);
        var (tags, more) = storage.Database.Read(tx =>
        {
            if (tx.RepositoryId(name) is null)
                throw ErrorResponseException.NameUnknown(name);
            var rows = limit == 0 ? [] : tx.Tags(name, last, limit + 1);
            return (rows.Take(limit).ToList(), rows.Count > limit);
        });
        if (more)
            SetNextLink(context, $"/v2/{name}/tags/list", limit, tags[^1]);
        return RegistryHttp.WriteJsonAsync(context, new TagList { Name = name, Tags = tags }, ProtocolJson.Default.TagList, "application/json");
    }

    public Task CatalogAsync(HttpContext context)
    {
        var (limit, last) = Page(context, DefaultCatalogPage);
        var rows = limit == 0 ? [] : storage.Database.Read(tx => tx.Repositories(last, limit + 1));
        var repositories = rows.Take(limit).ToList();
        if (rows.Count > limit)
            SetNextLink(context, "/v2/_catalog", limit, repositories[^1]);
        return RegistryHttp.WriteJsonAsync(context, new Catalog { Repositories = repositories }, ProtocolJson.Default.Catalog, "application/json");
    }

    /// <summary>
    /// An OCI index of the manifests whose <c>subject</c> is the digest, optionally only those of one
    /// <c>artifactType</c> (then <c>OCI-Filters-Applied</c> says so). An unknown subject has no
    /// referrers: 200 with an empty index, as the spec asks.
    /// </summary>
    public async Task ReferrersAsync(HttpContext context, string name, string reference)
    {
        var subject = RegistryHttp.ParseDigest(reference);
        var filter = context.Request.Query["artifactType"].ToString();
        var referrers = storage.Database.Read(tx => tx.Referrers(name, subject));
        if (filter.Length > 0)
        {
            referrers = referrers.Where(r => r.ArtifactType == filter).ToList();
            context.Response.Headers["OCI-Filters-Applied"] = "artifactType";
        }
        var bytes = IndexOf(referrers);
        context.Response.ContentType = MediaTypes.OciIndex;
        context.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static byte[] IndexOf(IReadOnlyList<ManifestRecord> referrers)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", 2);
            json.WriteString("mediaType", MediaTypes.OciIndex);
            json.WriteStartArray("manifests");
            foreach (var r in referrers)
            {
                json.WriteStartObject();
                json.WriteString("mediaType", r.MediaType);
                json.WriteString("digest", r.Digest.ToString());
                json.WriteNumber("size", r.Size);
                if (r.ArtifactType is not null)
                    json.WriteString("artifactType", r.ArtifactType);
                if (r.AnnotationsJson is not null)
                {
                    json.WritePropertyName("annotations");
                    json.WriteRawValue(r.AnnotationsJson);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static (int Limit, string? Last) Page(HttpContext context, int defaultLimit)
    {
        var query = context.Request.Query;
        var n = query["n"].ToString();
        var limit = defaultLimit;
        if (n.Length > 0)
        {
            if (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out limit))
                throw new ErrorResponseException(400, ErrorCodes.Unsupported, "invalid pagination", $"n=\"{n}\": must be a non-negative integer");
            limit = Math.Min(limit, int.MaxValue - 1);
        }
        var last = query["last"].ToString();
        return (limit, last.Length > 0 ? last : null);
    }

    private static void SetNextLink(HttpContext context, string path, int limit, string last) =>
        context.Response.Headers.Link = string.Create(CultureInfo.InvariantCulture,
            $"<{path}?n={limit}&last={Uri.EscapeDataString(last)}>; rel=\"next\"");
}
