namespace Berth.Images.Metadata;

/// <summary>One resource a lease protects from garbage collection.</summary>
public readonly record struct LeaseResource(LeaseResourceKind Kind, string Key)
{
    internal string KindColumn => Kind switch
    {
        LeaseResourceKind.Content => "content",
        LeaseResourceKind.Snapshot => "snapshot",
        LeaseResourceKind.Ingest => "ingest",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown lease resource kind"),
    };

    internal static LeaseResourceKind ParseKind(string column) => column switch
    {
        "content" => LeaseResourceKind.Content,
        "snapshot" => LeaseResourceKind.Snapshot,
        "ingest" => LeaseResourceKind.Ingest,
        _ => throw new FormatException($"lease resource kind \"{column}\": unknown"),
    };
}
