namespace Berth.Images.Layers;

/// <summary>
/// A layer that was refused. The message names the layer and, where there is one, the tar entry:
/// <c>layer sha256:ab12…: entry "../etc/passwd": invalid entry name</c>. The target directory is left
/// half-written; the caller discards it (IMG-P5).
/// </summary>
public sealed class LayerException : Exception
{
    public LayerException(string layer, string? entry, string reason, Exception? inner = null)
        : base(entry is null ? $"layer {layer}: {reason}" : $"layer {layer}: entry \"{entry}\": {reason}", inner)
    {
        Layer = layer;
        Entry = entry;
        Reason = reason;
    }

    public string Layer { get; }

    public string? Entry { get; }

    public string Reason { get; }
}
