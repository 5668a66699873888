namespace IceSpec.Stun;

/// <summary>One attribute of a received message: its type, its value (without padding) and where it starts.</summary>
public readonly ref struct StunAttribute
{
    public StunAttribute(ushort type, ReadOnlySpan<byte> value, int offset)
    {
        Type = type;
        Value = value;
        Offset = offset;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Value { get; }

    /// <summary>Offset of the attribute's type field from the start of the message.</summary>
    public int Offset { get; }

    /// <summary>RFC 8489 §14: types in the comprehension-required range must be understood by the receiver.</summary>
    public bool IsComprehensionRequired => StunRanges.IsComprehensionRequired(Type);
}

/// <summary>Walks the attributes of a message that <see cref="StunMessage.TryParse"/> accepted (so lengths are already checked).</summary>
public ref struct StunAttributeEnumerator
{
    private readonly ReadOnlySpan<byte> _message;
    private int _next;

    internal StunAttributeEnumerator(ReadOnlySpan<byte> message)
    {
        _message = message;
        _next = StunHeader.Length;
        Current = default;
    }

    public StunAttribute Current { get; private set; }

    public readonly StunAttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_next + StunHeader.AttributeHeaderLength > _message.Length) return false;
        var type = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_message[_next..]);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(_message[(_next + 2)..]);
        Current = new StunAttribute(type, _message.Slice(_next + StunHeader.AttributeHeaderLength, length), _next);
        _next += StunHeader.AttributeHeaderLength + StunHeader.Padded(length);
        return true;
    }
}
