using System.Security.Cryptography;
using System.Text;

namespace IceSpec.Stun;

/// <summary>
/// USERHASH (RFC 8489 §14.4): userhash = SHA-256(OpaqueString(username) ":" OpaqueString(realm)), sent instead of
/// USERNAME when the server offered username anonymity (security feature bit 1 in the NONCE, §9.2).
/// </summary>
public static class StunUserhash
{
    public const int Length = 32;

    public static byte[] Compute(string username, string realm) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(PasswordPreparation.OpaqueString(username) + ":" + PasswordPreparation.OpaqueString(realm)));
}
