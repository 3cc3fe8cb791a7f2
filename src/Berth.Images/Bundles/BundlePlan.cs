using Berth.Oci.Runtime;

namespace Berth.Images.Bundles;

/// <summary>
/// What running an image needs: the runtime spec, plus what the spec cannot say on its own.
/// </summary>
/// <param name="Spec">The config.json to write.</param>
/// <param name="Volumes">
/// Anonymous volumes the image asks for (cleaned absolute container paths, sorted). Nothing is
/// mounted for them yet; a volume manager turns each into a mount.
/// </param>
/// <param name="StopSignal">The image's StopSignal, as given (e.g. "SIGTERM"), or null.</param>
/// <param name="Annotations">The same annotations as <see cref="Spec.Annotations"/>.</param>
public sealed record BundlePlan(Spec Spec, IReadOnlyList<string> Volumes, string? StopSignal, IReadOnlyDictionary<string, string> Annotations);
