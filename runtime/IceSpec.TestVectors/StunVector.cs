namespace IceSpec.TestVectors;

/// <summary>A published STUN test vector: the bytes and the inputs needed to check them.</summary>
public sealed record StunVector(
    string Name, string Source, string Hex, string? Username = null, string? Password = null, string? Realm = null,
    string? Description = null)
{
    public byte[] Bytes => Convert.FromHexString(Hex);
}
