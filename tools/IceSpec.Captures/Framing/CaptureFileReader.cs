using System.Buffers.Binary;

namespace IceSpec.Captures.Framing;

/// <summary>One captured frame: its link type (pcap LINKTYPE_*), time, and bytes (valid until the next read).</summary>
public readonly ref struct CapturedFrame(int linkType, DateTime time, ReadOnlySpan<byte> data)
{
    public int LinkType { get; } = linkType;
    public DateTime Time { get; } = time;
    public ReadOnlySpan<byte> Data { get; } = data;
}

/// <summary>
/// Reads pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html: either byte order, micro- or nanosecond
/// timestamps) and pcapng files (draft-ietf-opsawg-pcapng: Section Header, Interface Description with if_tsresol,
/// Enhanced and Simple Packet Blocks; other blocks skipped) frame by frame from a buffered stream, without allocating
/// per frame.
/// </summary>
public sealed class CaptureFileReader : IDisposable
{
    private const uint PcapMicro = 0xA1B2C3D4, PcapNano = 0xA1B23C4D, PcapngSection = 0x0A0D0D0A, PcapngByteOrder = 0x1A2B3C4D;
    private readonly Stream _stream;
    private byte[] _buffer = new byte[1 << 20];
    private int _start, _end;
    private readonly bool _pcapng;
    private bool _bigEndian;
    private int _pcapLinkType;
    private long _pcapTicksPerUnit;
    private readonly List<(int LinkType, long TicksPerUnit)> _interfaces = [];

    /// <summary>Opens <paramref name="stream"/>; throws <see cref="InvalidDataException"/> when it is neither pcap nor pcapng.</summary>
    public CaptureFileReader(Stream stream)
    {
        _stream = stream;
        if (!Fill(24)) throw new InvalidDataException("shorter than a capture file header");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        var swapped = BinaryPrimitives.ReverseEndianness(magic);
        if (magic == PcapngSection)
        {
            _pcapng = true;
            return;
        }
        if (magic is PcapMicro or PcapNano) _bigEndian = false;
        else if (swapped is PcapMicro or PcapNano) _bigEndian = true;
        else throw new InvalidDataException($"not a pcap or pcapng file (magic 0x{magic:x8})");
        // pcap file header: magic (4) | major (2) | minor (2) | reserved (8) | snaplen (4) | link type (4)
        _pcapTicksPerUnit = (_bigEndian ? swapped : magic) == PcapNano ? -100 : TimeSpan.TicksPerMicrosecond;
        _pcapLinkType = (int)(U32(20) & 0x0FFFFFFF);
        _start += 24;
    }

    /// <summary>The next frame; false at the end of the file. Throws <see cref="InvalidDataException"/> when the file breaks off or is corrupt.</summary>
    public bool TryRead(out CapturedFrame frame) => _pcapng ? TryReadPcapng(out frame) : TryReadPcap(out frame);

    // pcap record: seconds (4) | microseconds or nanoseconds (4) | captured length (4) | original length (4) | data
    private bool TryReadPcap(out CapturedFrame frame)
    {
        frame = default;
        if (!Fill(16)) return Ended();
        var seconds = U32(0);
        var fraction = U32(4);
        var length = (int)U32(8);
        if (length < 0 || length > 1 << 26) throw new InvalidDataException($"a record claims {U32(8)} bytes");
        if (!Fill(16 + length)) throw new InvalidDataException("the last record is cut short");
        var ticks = _pcapTicksPerUnit > 0 ? fraction * _pcapTicksPerUnit : fraction / 100;
        frame = new CapturedFrame(_pcapLinkType, DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + ticks), _buffer.AsSpan(_start + 16, length));
        _start += 16 + length;
        return true;
    }

    // pcapng block: type (4) | total length (4) | body | total length (4)
    private bool TryReadPcapng(out CapturedFrame frame)
    {
        frame = default;
        while (true)
        {
            if (!Fill(8)) return Ended();
            var type = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
            if (type == PcapngSection)
            {
                if (!Fill(12)) throw new InvalidDataException("a section header is cut short");
                var order = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start + 8));
                _bigEndian = order != PcapngByteOrder;
                _interfaces.Clear();
            }
            var total = (int)U32(4);
            if (total < 12 || total % 4 != 0 || total > 1 << 26) throw new InvalidDataException($"a block claims {U32(4)} bytes");
            if (!Fill(total)) throw new InvalidDataException("the last block is cut short");
            var block = _buffer.AsSpan(_start, total);
            _start += total;
            // The fixed fields each block type needs before its options or data.
            if (type is 1 && total < 20 || type is 6 && total < 32 || type is 3 && total < 16)
                throw new InvalidDataException($"a block of type {type} is too short ({total} bytes)");
            switch (type)
            {
                case 1: // Interface Description: link type (2) | reserved (2) | snaplen (4) | options
                    _interfaces.Add((U16(block[8..]), TicksPerUnit(block[16..^4])));
                    break;
                case 6: // Enhanced Packet: interface (4) | timestamp high (4) | low (4) | captured length (4) | original length (4) | data
                {
                    var id = U32(block[8..]);
                    if (id >= (uint)_interfaces.Count) throw new InvalidDataException($"a packet names interface {id}, which was not described");
                    var (linkType, perUnit) = _interfaces[(int)id];
                    var stamp = ((long)U32(block[12..]) << 32) | U32(block[16..]);
                    var length = U32(block[20..]);
                    if (length > (uint)(total - 32)) throw new InvalidDataException("a packet block's captured length overruns it");
                    frame = new CapturedFrame(linkType, Time(stamp, perUnit), block.Slice(28, (int)length));
                    return true;
                }
                case 3: // Simple Packet: original length (4) | data; no timestamp
                {
                    if (_interfaces.Count == 0) throw new InvalidDataException("a packet comes before any interface description");
                    var length = (int)Math.Min(U32(block[8..]), (uint)(total - 16));
                    frame = new CapturedFrame(_interfaces[0].LinkType, DateTime.UnixEpoch, block.Slice(12, length));
                    return true;
                }
            }
        }
    }

    /// <summary>The time of a pcapng timestamp in units of <paramref name="perUnit"/> (see <see cref="TicksPerUnit"/>); a value past year 9999 is corrupt.</summary>
    private static DateTime Time(long stamp, long perUnit)
    {
        var maxTicks = DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks;
        var ticks = perUnit > 0 ? (stamp <= maxTicks / perUnit ? stamp * perUnit : -1) : stamp / -perUnit;
        if (ticks < 0 || ticks > maxTicks) throw new InvalidDataException($"a packet's timestamp ({stamp}) is past the year 9999");
        return DateTime.UnixEpoch.AddTicks(ticks);
    }

    /// <summary>if_tsresol (option 9): 10^-n or 2^-n seconds per unit; default microseconds. Positive: ticks per unit; negative: units per tick.</summary>
    private long TicksPerUnit(ReadOnlySpan<byte> options)
    {
        while (options.Length >= 4)
        {
            int code = U16(options), length = U16(options[2..]);
            if (code == 0) break;
            if (code == 9 && length >= 1 && options.Length >= 5)
            {
                var value = options[4];
                var perSecond = (value & 0x80) != 0 ? Math.Pow(2, value & 0x7F) : Math.Pow(10, value);
                if (perSecond > 1e15) throw new InvalidDataException($"if_tsresol 0x{value:x2} is finer than a femtosecond");
                var ticks = TimeSpan.TicksPerSecond / perSecond;
                return ticks >= 1 ? (long)ticks : -(long)Math.Round(1 / ticks);
            }
            options = options[Math.Min(options.Length, 4 + (length + 3) / 4 * 4)..];
        }
        return TimeSpan.TicksPerMicrosecond;
    }

    private bool Ended()
    {
        if (_end > _start) throw new InvalidDataException($"{_end - _start} stray bytes at the end");
        return false;
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available from <see cref="_start"/>; false when the file ends first.</summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count) return true;
        if (count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(count, _buffer.Length * 2));
        Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
        _end -= _start;
        _start = 0;
        while (_end < count)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) return false;
            _end += read;
        }
        return true;
    }

    private uint U32(int offset) => U32(_buffer.AsSpan(_start + offset));
    private uint U32(ReadOnlySpan<byte> bytes) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    private ushort U16(ReadOnlySpan<byte> bytes) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    public void Dispose() => _stream.Dispose();
}
