namespace Berth.Distribution.Server.Storage;

/// <summary>An upload session: the repository it pushes to and when a request last touched it.</summary>
public sealed record UploadRecord(string Id, string Repository, DateTimeOffset Created, DateTimeOffset Updated);
