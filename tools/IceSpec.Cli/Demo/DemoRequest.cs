using System.Security.Cryptography;
using IceSpec.Cli.Decoding;
using IceSpec.Stun;

namespace IceSpec.Cli.Demo;

/// <summary>An ICE connectivity check (RFC 8445 §7.1) built with <see cref="StunMessageBuilder"/> and the generated Add… accessors.</summary>
public static class DemoRequest
{
    /// <summary>RFRAG:LFRAG (RFC 8445 §7.2.2).</summary>
    public const string Username = "Rf9q:Lx4d";

    /// <summary>The remote agent's ICE password: the short-term key (RFC 8445 §7.2.2).</summary>
    public const string Password = "IceSpecDemoPassword2024x";

    /// <summary>Host candidate, component 1: (2^24)·126 + (2^8)·65535 + 255 (RFC 8445 §5.1.2.1).</summary>
    public const uint Priority = (126u << 24) | (65535u << 8) | 255u;

    public static Credential Credential { get; } = Credential.ShortTerm(Password, PasswordPreparation.Profile.OpaqueString);

    /// <summary>Builds the request with a random transaction ID and tiebreaker.</summary>
    public static byte[] Build()
    {
        Span<byte> transactionId = stackalloc byte[StunHeader.TransactionIdLength];
        RandomNumberGenerator.Fill(transactionId);
        Span<byte> tiebreaker = stackalloc byte[8];
        RandomNumberGenerator.Fill(tiebreaker);

        Span<byte> buffer = stackalloc byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), transactionId);
        builder.AddSoftware("IceSpec");
        builder.AddPriority(Priority);
        builder.AddIceControlling(BitConverter.ToUInt64(tiebreaker));
        builder.AddUsername(Username);
        builder.AddMessageIntegrity(Credential.Key);
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }
}
