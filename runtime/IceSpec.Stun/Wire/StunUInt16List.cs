using System.Buffers.Binary;

namespace IceSpec.Stun;

/// <summary>A list of 16-bit values read in place (e.g. UNKNOWN-ATTRIBUTES, RFC 8489 §14.13).</summary>
public readonly ref struct StunUInt16List
{
    private readonly ReadOnlySpan<byte> _value;

    public StunUInt16List(ReadOnlySpan<byte> value) => _value = value;

    public int Count => _value.Length / 2;

    public ushort this[int index] => BinaryPrimitives.ReadUInt16BigEndian(_value[(index * 2)..]);

    public Enumerator GetEnumerator() => new(_value);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _value;
        private int _index;

        internal Enumerator(ReadOnlySpan<byte> value)
        {
            _value = value;
            _index = -2;
        }

        public readonly ushort Current => BinaryPrimitives.ReadUInt16BigEndian(_value[_index..]);

        public bool MoveNext()
        {
            _index += 2;
            return _index + 2 <= _value.Length;
        }
    }
}
