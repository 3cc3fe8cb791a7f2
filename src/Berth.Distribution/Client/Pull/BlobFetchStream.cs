using System.Net;
using Berth.Distribution.Client.Errors;
using Berth.Images;
using Berth.Images.Content;
using Berth.Images.Oci;

namespace Berth.Distribution.Client.Pull;

/// <summary>
/// A blob as the registry sends it, written into the content store's ingest as it is read, so a
/// layer can be extracted while it downloads and its bytes cross the network once. A connection
/// that breaks mid-body is resumed with an HTTP Range request from what the ingest holds; an ingest
/// left by an interrupted pull is replayed from disk first (when the reader needs the whole blob)
/// and the download goes on after it. The blob becomes visible only by <see cref="Commit"/>,
/// which checks size and digest (REG-DIG-1). Disposed without a commit, the ingest's bytes stay for
/// the next pull to resume from.
/// </summary>
public sealed class BlobFetchStream : ReadOnlyStream, IBlobIngest
{
    private readonly RegistryRepository _repository;
    private readonly Descriptor _blob;
    private readonly ContentWriter _writer;
    private readonly RegistryClientOptions _options;
    private readonly Action<long>? _progress;
    private readonly List<Uri?> _sources;
    private readonly CancellationToken _ct;
    private Stream? _replay;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private int _source;
    private int _resumes;
    private long _position;

    /// <param name="writer">the ingest, owned by the stream from now on</param>
    /// <param name="replay">read the blob from byte 0 (the ingest's bytes first); false to read only what is still to download</param>
    public BlobFetchStream(RegistryRepository repository, Descriptor blob, ContentWriter writer, RegistryClientOptions options, bool replay, Action<long>? progress, CancellationToken ct)
    {
        _repository = repository;
        _blob = blob;
        _writer = writer;
        _options = options;
        _progress = progress;
        _ct = ct;
        // A foreign layer (Windows base layers, air-gapped mirrors) may name where else it lives.
        _sources = [null];
        _sources.AddRange((blob.Urls ?? []).Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) ? uri : null).Where(u => u is not null));
        if (replay && writer.Offset > 0)
            _replay = writer.OpenWritten();
        else
            _position = writer.Offset;
    }

    public override long Length => _blob.Size;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    private string Where => _sources[_source] is { } foreign
        ? $"blob {_blob.Digest} from {foreign.GetLeftPart(UriPartial.Path)}"
        : $"blob {_blob.Digest} from {_repository.Name}";

    // The unpack reads on threads of its own, so waiting here blocks no thread pool worker.
    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = ReadAsync(rented.AsMemory(0, buffer.Length), _ct).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), _ct).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
            return 0;
        if (_replay is not null)
        {
            var r = await _replay.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (r > 0)
            {
                _position += r;
                return r;
            }
            await _replay.DisposeAsync().ConfigureAwait(false);
            _replay = null;
        }
        if (_writer.Offset >= _blob.Size)
            return 0;
        while (true)
        {
            var body = _body ?? await OpenAsync(cancellationToken).ConfigureAwait(false);
            int n;
            try
            {
                n = await body.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _blob.Size - _writer.Offset)], cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    throw new IOException($"connection closed {_blob.Size - _writer.Offset} bytes before the end of the blob");
            }
            catch (Exception e) when (e is IOException or HttpRequestException && _resumes < _options.MaxResumes && !cancellationToken.IsCancellationRequested)
            {
                // The connection broke mid-body: the bytes so far stay in the ingest and the next request resumes after them.
                _resumes++;
                CloseResponse();
                await Task.Delay(_options.RetryBaseDelay, _options.Clock, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new RegistryException($"{Where}: {e.Message} (after {_resumes} resumed connections)", inner: e);
            }
            await _writer.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
            _position += n;
            _progress?.Invoke(_writer.Offset);
            return n;
        }
    }

    /// <summary>Downloads what the reader left, then verifies and publishes the blob.</summary>
    public CommitResult Commit() => CommitAsync(_ct).GetAwaiter().GetResult();

    /// <inheritdoc cref="Commit"/>
    public async Task<CommitResult> CommitAsync(CancellationToken ct)
    {
        if (_replay is not null)
        {
            await _replay.DisposeAsync().ConfigureAwait(false);
            _replay = null;
        }
        var scratch = new byte[81920];
        while (await ReadAsync(scratch, ct).ConfigureAwait(false) > 0)
        {
        }
        CloseResponse();
        try
        {
            return _writer.Commit(_blob.Size, _blob.Digest);
        }
        catch (ContentVerificationException e)
        {
            throw new RegistryVerificationException($"filesystem layer verification failed: {e.Message}");
        }
    }

    /// <summary>Asks for the bytes after what the ingest holds, from the registry or else the descriptor's URLs.</summary>
    private async Task<Stream> OpenAsync(CancellationToken ct)
    {
        while (true)
        {
            var offset = _writer.Offset;
            var foreign = _sources[_source];
            var response = foreign is null
                ? await _repository.GetBlobAsync(_blob.Digest, offset, ct).ConfigureAwait(false)
                : await _repository.GetForeignAsync(foreign, offset, ct).ConfigureAwait(false);
            try
            {
                if (response.StatusCode == HttpStatusCode.PartialContent)
                {
                    if (response.Content.Headers.ContentRange is not { From: { } from } || from != offset)
                        throw new RegistryException($"{Where}: asked for bytes from {offset}, got range {response.Content.Headers.ContentRange}");
                }
                else if (response.StatusCode != HttpStatusCode.OK)
                {
                    var error = await RegistryRepository.ErrorAsync(response, $"fetch {Where}", ct).ConfigureAwait(false);
                    // A foreign layer the registry does not serve: try the manifest's urls, without credentials.
                    if (error.IsNotFound && _source < _sources.Count - 1)
                    {
                        _source++;
                        response.Dispose();
                        continue;
                    }
                    throw error;
                }
                // A registry that ignores Range sends the whole blob again: the bytes the ingest has are skipped.
                var skip = response.StatusCode == HttpStatusCode.OK ? offset : 0;
                // REG-SIZE-2: a body longer than the descriptor says is refused before it is read.
                if (response.Content.Headers.ContentLength is { } length && offset - skip + length != _blob.Size)
                    throw new RegistryVerificationException($"{Where}: registry sends {offset - skip + length} bytes, the descriptor says {_blob.Size}");
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await SkipAsync(body, skip, ct).ConfigureAwait(false);
                _response = response;
                _body = body;
                return body;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private async Task SkipAsync(Stream body, long count, CancellationToken ct)
    {
        if (count == 0)
            return;
        var scratch = new byte[81920];
        while (count > 0)
        {
            var n = await body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, count)), ct).ConfigureAwait(false);
            if (n == 0)
                throw new IOException($"{Where}: the registry's body ended at byte {_writer.Offset - count}, before the {_writer.Offset} bytes already stored");
            count -= n;
        }
    }

    private void CloseResponse()
    {
        _body?.Dispose();
        _body = null;
        _response?.Dispose();
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _replay?.Dispose();
            CloseResponse();
            _writer.Dispose();
        }
        base.Dispose(disposing);
    }
}
