namespace Berth.Linux.Interop;

/// <summary>struct __user_cap_header_struct (linux/capability.h).</summary>
public struct CapHeader
{
    /// <summary>_LINUX_CAPABILITY_VERSION_3: 64-bit sets, two <see cref="CapData"/> words.</summary>
    public const uint Version3 = 0x20080522;

    public uint Version;
    public int Pid;
}

/// <summary>struct __user_cap_data_struct: one 32-bit word of each set.</summary>
public struct CapData
{
    public uint Effective;
    public uint Permitted;
    public uint Inheritable;
}
