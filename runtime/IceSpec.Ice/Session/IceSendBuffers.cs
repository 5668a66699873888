using System.Buffers;

namespace IceSpec.Ice;

/// <summary>
/// Buffers for the messages one TCP connection has queued and not yet written (its writer task returns each once the
/// socket took it). Messages up to <see cref="BufferSize"/> bytes — every data packet and check of a usual MTU — reuse
/// buffers kept here, at most <see cref="MaxKept"/> of them (128 KiB per connection); longer ones (STUN over TCP allows
/// 64 KiB) come from <see cref="ArrayPool{T}.Shared"/>. Not ArrayPool.Shared for all: a buffer returned on the writer's
/// thread goes to that thread's cache, so the session loop renting the next one often found none and allocated.
/// </summary>
internal sealed class IceSendBuffers
{
    public const int BufferSize = 2048;
    public const int MaxKept = 64;

    private readonly Stack<byte[]> _free = new();

    public byte[] Rent(int length)
    {
        if (length > BufferSize) return ArrayPool<byte>.Shared.Rent(length);
        lock (_free)
        {
            if (_free.TryPop(out var buffer)) return buffer;
            // None free: one more than needed now. The writer returns a buffer only after its message left, so the next
            // Send, made as soon as that message arrived, may find it still on its way back.
            if (_free.Count < MaxKept) _free.Push(new byte[BufferSize]);
        }
        return new byte[BufferSize];
    }

    public void Return(byte[] buffer)
    {
        if (buffer.Length != BufferSize)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return;
        }
        lock (_free)
            if (_free.Count < MaxKept) _free.Push(buffer);
    }
}
