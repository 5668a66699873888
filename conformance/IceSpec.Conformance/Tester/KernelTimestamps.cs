using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// Receives datagrams with the kernel's receive time (Linux <c>SO_TIMESTAMPNS</c>, read from <c>recvmsg(2)</c>'s
/// ancillary data): the time a datagram reached the socket, not when this process got round to reading it. Cases judge
/// spacing in milliseconds (RFC 8445 §14.2 pacing, RFC 8489 §6.2.1 retransmissions, RFC 7675 §5.1 consent intervals), and
/// several cases run side by side on two cores: a user-space clock would read two datagrams queued behind a stall as
/// simultaneous. .NET exposes no ancillary data but packet info, hence the P/Invoke (x86-64/arm64 Linux layouts).
/// </summary>
internal static class KernelTimestamps
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35;      // SO_TIMESTAMPNS_OLD == SCM_TIMESTAMPNS
    private const short PollIn = 0x001;
    private const int Eintr = 4;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public IntPtr Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Iov;
        public nuint IovLength;
        public IntPtr Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint recvmsg(int fd, MsgHdr* message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>Asks the kernel to stamp every datagram <paramref name="socket"/> receives.</summary>
    public static void Enable(Socket socket)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the ICE tester needs Linux (SO_TIMESTAMPNS)");
        socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));
    }

    /// <summary>
    /// Waits up to <paramref name="waitMilliseconds"/> for one datagram. Null when none arrived (or the socket closed);
    /// otherwise its bytes, source and the kernel's receive time (UTC).
    /// </summary>
    public static unsafe (byte[] Data, IPEndPoint Source, DateTime ReceivedAt)? Receive(Socket socket, byte[] buffer, int waitMilliseconds)
    {
        int fd;
        try
        {
            fd = (int)socket.SafeHandle.DangerousGetHandle();
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        var wait = new PollFd { Fd = fd, Events = PollIn };
        var ready = poll(&wait, 1, waitMilliseconds);
        if (ready <= 0 || (wait.Revents & PollIn) == 0) return null;

        var name = stackalloc byte[128];
        var control = stackalloc byte[256];
        fixed (byte* data = buffer)
        {
            var iov = new IoVec { Base = (IntPtr)data, Length = (nuint)buffer.Length };
            var header = new MsgHdr
            {
                Name = (IntPtr)name, NameLength = 128, Iov = (IntPtr)(&iov), IovLength = 1,
                Control = (IntPtr)control, ControlLength = 256,
            };
            nint length;
            do length = recvmsg(fd, &header, 0);
            while (length < 0 && Marshal.GetLastPInvokeError() == Eintr);
            if (length < 0) return null;
            var source = ReadSockaddr(new ReadOnlySpan<byte>(name, (int)header.NameLength));
            var receivedAt = ReadTimestamp(new ReadOnlySpan<byte>(control, (int)header.ControlLength)) ?? DateTime.UtcNow;
            return (buffer.AsSpan(0, (int)length).ToArray(), source, receivedAt);
        }
    }

    /// <summary>struct sockaddr_in / sockaddr_in6: family (host order), port (network order), address.</summary>
    private static IPEndPoint ReadSockaddr(ReadOnlySpan<byte> sockaddr)
    {
        var family = BitConverter.ToUInt16(sockaddr);
        var port = (sockaddr[2] << 8) | sockaddr[3];
        return family == 10
            ? new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16)), port)
            : new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), port);
    }

    /// <summary>Walks the cmsghdr list (cmsg_len, cmsg_level, cmsg_type, data aligned to 8) for SCM_TIMESTAMPNS.</summary>
    private static DateTime? ReadTimestamp(ReadOnlySpan<byte> control)
    {
        var offset = 0;
        while (offset + 16 <= control.Length)
        {
            var length = (int)BitConverter.ToUInt64(control[offset..]);
            var level = BitConverter.ToInt32(control[(offset + 8)..]);
            var type = BitConverter.ToInt32(control[(offset + 12)..]);
            if (length < 16 || offset + length > control.Length) return null;
            if (level == SolSocket && type == SoTimestampNs && length >= 32)
            {
                var seconds = BitConverter.ToInt64(control[(offset + 16)..]);
                var nanoseconds = BitConverter.ToInt64(control[(offset + 24)..]);
                return DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanoseconds / 100);
            }
            offset += (length + 7) & ~7;
        }
        return null;
    }
}
