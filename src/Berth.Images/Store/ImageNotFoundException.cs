namespace Berth.Images.Store;

/// <summary>No image answers to a name or ID (docker: "No such image: x", exit 1).</summary>
public sealed class ImageNotFoundException(string message) : Exception(message);
