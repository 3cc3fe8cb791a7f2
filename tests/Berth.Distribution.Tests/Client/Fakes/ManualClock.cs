namespace Berth.Distribution.Tests.Client.Fakes;

/// <summary>A clock a test moves by hand, for token expiry; timers still run on real time.</summary>
internal sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}
