namespace Berth.Images.Store;

/// <summary>A removal that would take away more than was named, refused without force (docker: "conflict: …").</summary>
public sealed class ImageInUseException(string message) : Exception(message);
