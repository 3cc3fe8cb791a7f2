namespace Berth.Images.Oci;

/// <summary>The <c>{}</c> values of Docker's set-as-map fields (<c>ExposedPorts</c>, <c>Volumes</c>).</summary>
public sealed class EmptyObject
{
}
