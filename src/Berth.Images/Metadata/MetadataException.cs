namespace Berth.Images.Metadata;

/// <summary>A refused metadata operation: a missing record, a duplicate name, a rule that would break.</summary>
public sealed class MetadataException : Exception
{
    public MetadataException(MetadataErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public MetadataException(MetadataErrorKind kind, string message, Exception inner)
        : base(message, inner)
    {
        Kind = kind;
    }

    public MetadataErrorKind Kind { get; }
}
