using System.Buffers.Binary;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// A compiled filter: the classic-BPF program (struct sock_filter[], native byte order) and the
/// SECCOMP_FILTER_FLAG_* bits to pass with it to seccomp(SECCOMP_SET_MODE_FILTER).
/// </summary>
public sealed class SeccompProgram
{
    /// <summary>sizeof(struct sock_filter): u16 code, u8 jt, u8 jf, u32 k.</summary>
    public const int InstructionSize = 8;

    /// <summary>BPF_MAXINSNS: the kernel refuses a longer program with EINVAL.</summary>
    public const int MaxInstructions = 4096;

    public SeccompProgram(byte[] filter, uint flags, IReadOnlyList<string> skippedSyscalls, IReadOnlyList<string> warnings)
    {
        if (filter.Length == 0 || filter.Length % InstructionSize != 0)
            throw new ArgumentException($"a BPF program is a non-empty array of {InstructionSize}-byte instructions", nameof(filter));
        Filter = filter;
        Flags = flags;
        SkippedSyscalls = skippedSyscalls;
        Warnings = warnings;
    }

    /// <summary>The raw struct sock_filter[] bytes.</summary>
    public byte[] Filter { get; }

    public int InstructionCount => Filter.Length / InstructionSize;

    /// <summary>SECCOMP_FILTER_FLAG_* bits for the seccomp(2) call.</summary>
    public uint Flags { get; }

    /// <summary>Syscall names libseccomp does not know; their rules were left out, as runc does.</summary>
    public IReadOnlyList<string> SkippedSyscalls { get; }

    /// <summary>Things the caller should log: skipped names, flags without effect.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Instruction <paramref name="index"/>, decoded.</summary>
    public SockFilter Instruction(int index)
    {
        var at = Filter.AsSpan(index * InstructionSize, InstructionSize);
        return new SockFilter(
            BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(at) : BinaryPrimitives.ReadUInt16BigEndian(at),
            at[2],
            at[3],
            BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(at[4..]) : BinaryPrimitives.ReadUInt32BigEndian(at[4..]));
    }

    /// <summary>A copy in unmanaged memory, as struct sock_fprog, for the C last mile.</summary>
    public NativeSeccompFilter ToNative() => new(Filter);
}

/// <summary>One classic-BPF instruction (linux/filter.h struct sock_filter).</summary>
public readonly record struct SockFilter(ushort Code, byte Jt, byte Jf, uint K);
