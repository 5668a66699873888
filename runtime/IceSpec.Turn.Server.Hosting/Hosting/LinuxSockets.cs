using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IceSpec.Turn.Server;

/// <summary>
/// The Linux system calls of the relay hot path: epoll, recvmmsg (many datagrams per call) and sendto, called on the
/// file descriptors of ordinary <see cref="Socket"/>s that .NET's own event loop never sees. Blittable signatures over
/// pinned arrays: no unsafe code, no marshalling copies. Structure layouts are those of 64-bit Linux.
/// </summary>
internal static class LinuxSockets
{
    public const int EpollIn = 0x001;
    public const int EpollCtlAdd = 1;
    public const int EpollCtlDel = 2;
    public const int EpollCloexec = 0x80000;
    public const int MsgDontWait = 0x40;
    public const int EventFdNonBlock = 0x800;
    public const int EventFdCloexec = 0x80000;
    public const int EAgain = 11;
    public const int EIntr = 4;

    /// <summary>epoll_event is packed (12 bytes) on x86-64 and naturally aligned (16 bytes) elsewhere.</summary>
    public static readonly int EpollEventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static readonly int EpollDataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    /// <summary>Linux on x64 or arm64, where the layouts below hold; elsewhere the portable async path is used.</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 && IntPtr.Size == 8 &&
        Environment.GetEnvironmentVariable("ICESPEC_TURN_PORTABLE_SOCKETS") != "1";

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public IntPtr Base;
        public nuint Length;
    }

    /// <summary>struct mmsghdr: a msghdr (56 bytes on 64-bit Linux) then the received length, 64 bytes in all.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct MMsgHdr
    {
        [FieldOffset(0)] public IntPtr Name;
        [FieldOffset(8)] public uint NameLength;
        [FieldOffset(16)] public IntPtr Iov;
        [FieldOffset(24)] public nuint IovLength;
        [FieldOffset(32)] public IntPtr Control;
        [FieldOffset(40)] public nuint ControlLength;
        [FieldOffset(48)] public int Flags;
        [FieldOffset(56)] public uint Length;
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_ctl(int epfd, int op, int fd, byte[] @event);

    [DllImport("libc", SetLastError = true)]
    public static extern int epoll_wait(int epfd, byte[] events, int maxevents, int timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern int recvmmsg(int fd, [In, Out] MMsgHdr[] messages, uint count, int flags, IntPtr timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern int sendmmsg(int fd, [In, Out] MMsgHdr[] messages, uint count, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern nint sendto(int fd, byte[] buffer, nuint length, int flags, byte[] address, uint addressLength);

    [DllImport("libc", SetLastError = true)]
    public static extern int eventfd(uint initial, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern nint write(int fd, byte[] buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    public static extern nint read(int fd, byte[] buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    /// <summary>SO_REUSEPORT (Linux: SOL_SOCKET 1, option 15), set before bind: several sockets share one address.</summary>
    public static void SetReusePort(Socket socket) => socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1));

    public static int Descriptor(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>Writes a sockaddr_in / sockaddr_in6 for <paramref name="endpoint"/>; returns its length.</summary>
    public static uint WriteSockaddr(Span<byte> span, in TurnEndpoint endpoint, bool ipv6Socket)
    {
        if (!ipv6Socket)
        {
            BitConverter.TryWriteBytes(span, (ushort)AddressFamily.InterNetwork);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(span[2..], endpoint.Port);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[4..], endpoint.IPv4Value);
            span.Slice(8, 8).Clear();
            return 16;
        }
        BitConverter.TryWriteBytes(span, (ushort)10); // AF_INET6 on Linux
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(span[2..], endpoint.Port);
        span.Slice(4, 4).Clear();
        if (endpoint.IsIPv4)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[8..], 0);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[16..], 0xFFFF_0000_0000UL | endpoint.IPv4Value);
        }
        else
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[8..], endpoint.High);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[16..], endpoint.Low);
        }
        span.Slice(24, 4).Clear();
        return 28;
    }

    /// <summary>Reads a sockaddr_in / sockaddr_in6 (Linux: AF_INET 2, AF_INET6 10).</summary>
    public static TurnEndpoint ReadSockaddr(ReadOnlySpan<byte> address)
    {
        var family = BitConverter.ToUInt16(address);
        var port = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(address[2..]);
        if (family == (ushort)AddressFamily.InterNetwork) return TurnEndpoint.IPv4(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(address[4..]), port);
        var high = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(address[8..]);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(address[16..]);
        if (high == 0 && (low >> 32) == 0xFFFF) return TurnEndpoint.IPv4((uint)low, port);
        return TurnEndpoint.IPv6(high, low, port);
    }
}
