using IceSpec.Stun;

namespace IceSpec.Cli.Decoding;

/// <summary>A key to verify MESSAGE-INTEGRITY with, and how it was made (for the report).</summary>
public sealed record Credential(StunKey Key, string Description)
{
    /// <summary>Short-term (RFC 8489 §9.1): the password after OpaqueString, or SASLprep as RFC 5389 did.</summary>
    public static Credential ShortTerm(string password, PasswordPreparation.Profile preparation) =>
        preparation == PasswordPreparation.Profile.OpaqueString
            ? new(StunKey.ShortTerm(password), "short-term key")
            : new(new StunKey(System.Text.Encoding.UTF8.GetBytes(PasswordPreparation.SaslPrep(password))), "short-term key, SASLprep");

    /// <summary>Long-term (RFC 8489 §9.2.2): MD5 or SHA-256 of username:realm:password.</summary>
    public static Credential LongTerm(string username, string realm, string password, StunPasswordAlgorithm algorithm,
        PasswordPreparation.Profile preparation)
    {
        var key = StunKey.LongTerm(username, realm, password, algorithm, preparation);
        var hash = algorithm == StunPasswordAlgorithm.Sha256 ? "SHA-256" : "MD5";
        var prep = preparation == PasswordPreparation.Profile.SaslPrep ? "SASLprep" : "OpaqueString";
        return new(key, $"long-term {hash} key, {prep}");
    }

    /// <summary>
    /// The credential the decode options describe: none, short-term (--password alone) or long-term
    /// (--username, --realm and --password together). False with a usage message when they do not fit together.
    /// </summary>
    public static bool TryFromOptions(string? username, string? realm, string? password, string? algorithm, bool saslPrep,
        out Credential? credential, out string error)
    {
        credential = null;
        error = "";
        var preparation = saslPrep ? PasswordPreparation.Profile.SaslPrep : PasswordPreparation.Profile.OpaqueString;
        var longTerm = username is not null || realm is not null;
        if (password is null)
        {
            if (longTerm || algorithm is not null || saslPrep)
            {
                error = "--username, --realm, --password-algorithm and --saslprep need --password";
                return false;
            }
            return true;
        }
        if (longTerm && (username is null || realm is null))
        {
            error = "long-term credentials need --username, --realm and --password together (short-term: --password alone)";
            return false;
        }
        if (!longTerm && algorithm is not null)
        {
            error = "--password-algorithm applies to long-term credentials: add --username and --realm";
            return false;
        }
        try
        {
            credential = longTerm
                ? LongTerm(username!, realm!, password, algorithm == "sha256" ? StunPasswordAlgorithm.Sha256 : StunPasswordAlgorithm.Md5, preparation)
                : ShortTerm(password, preparation);
            return true;
        }
        catch (ArgumentException e)
        {
            // Password preparation rejects some characters and says which rule they break.
            error = "the password or realm cannot be prepared: " + e.Message;
            return false;
        }
    }
}
