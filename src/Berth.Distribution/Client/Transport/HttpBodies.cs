using Berth.Distribution.Client.Errors;

namespace Berth.Distribution.Client.Transport;

/// <summary>Reads response bodies into memory only up to a cap, refusing a larger one before reading it all (REG-SIZE-1).</summary>
public static class HttpBodies
{
    /// <exception cref="RegistryException">The declared or actual length exceeds <paramref name="max"/>.</exception>
    public static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, long max, string what, CancellationToken ct)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > max)
            throw new RegistryException($"{what}: refusing {declared} byte response larger than the {max} byte limit", response.StatusCode);
        using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > max)
                throw new RegistryException($"{what}: response exceeds the {max} byte limit", response.StatusCode);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
