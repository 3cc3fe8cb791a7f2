namespace Berth.Images.Layers;

/// <summary>An entry the extractor will not write; <see cref="LayerApplier"/> adds the layer and entry names.</summary>
internal sealed class EntryRefusedException(string reason) : Exception(reason);
