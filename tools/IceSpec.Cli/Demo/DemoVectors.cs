using IceSpec.Cli.Decoding;
using IceSpec.TestVectors;
using IceSpec.Stun;

namespace IceSpec.Cli.Demo;

/// <summary>The published vectors the demo decodes, each with the credential that verifies it.</summary>
public static class DemoVectors
{
    public sealed record Entry(StunVector Vector, Credential Credential);

    public static IReadOnlyList<Entry> All { get; } = Build();

    private static Entry[] Build()
    {
        var entries = Rfc5769.All.Select(v => new Entry(v, ForRfc5769(v))).ToList();
        // RFC 8489 B.1 as corrected by erratum 6268: SHA-256 long-term key from the already prepared password.
        var b1 = Rfc8489.AppendixB1Corrected;
        entries.Add(new Entry(b1, Credential.LongTerm(Rfc8489.Username, Rfc8489.Realm, Rfc8489.PreparedPassword,
            StunPasswordAlgorithm.Sha256, PasswordPreparation.Profile.OpaqueString)));
        return [.. entries];
    }

    /// <summary>§2.1–§2.3 use the short-term password; §2.4 is long-term, MD5, with RFC 5389's SASLprep.</summary>
    private static Credential ForRfc5769(StunVector vector) =>
        vector.Realm is null
            ? Credential.ShortTerm(vector.Password!, PasswordPreparation.Profile.OpaqueString)
            : Credential.LongTerm(vector.Username!, vector.Realm, vector.Password!, StunPasswordAlgorithm.Md5, PasswordPreparation.Profile.SaslPrep);
}
