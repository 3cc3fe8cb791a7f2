using System.Runtime.InteropServices;

namespace Berth.Runtime.Seccomp;

/// <summary>
/// A struct sock_fprog and its instructions in one unmanaged block, which the last mile hands to
/// seccomp(2) after the managed runtime has stopped running code. Freed on dispose.
/// </summary>
public sealed unsafe class NativeSeccompFilter : IDisposable
{
    private void* _block;

    internal NativeSeccompFilter(byte[] filter)
    {
        var count = filter.Length / SeccompProgram.InstructionSize;
        if (count > SeccompProgram.MaxInstructions)
            throw new ArgumentException($"a filter has at most {SeccompProgram.MaxInstructions} instructions", nameof(filter));
        _block = NativeMemory.AlignedAlloc((nuint)(sizeof(SockFprog) + filter.Length), 16);
        var fprog = (SockFprog*)_block;
        var instructions = (byte*)_block + sizeof(SockFprog);
        filter.CopyTo(new Span<byte>(instructions, filter.Length));
        fprog->Len = (ushort)count;
        fprog->Filter = instructions;
    }

    /// <summary>The struct sock_fprog* for berth_exec.seccomp_filter.</summary>
    public void* Fprog => _block is not null ? _block : throw new ObjectDisposedException(nameof(NativeSeccompFilter));

    public void Dispose()
    {
        if (_block is not null)
        {
            NativeMemory.AlignedFree(_block);
            _block = null;
        }
    }

    /// <summary>linux/filter.h struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Len;
        public byte* Filter;
    }
}
