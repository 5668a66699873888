using System.Net;
using System.Text;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The stateless nonce (RFC 8489 §9.2.4, §9.2): 28 characters starting with the nonce cookie; valid only from the address
/// it was issued to, unaltered, until its expiry (second granularity).
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnNonceIssuerTests
{
    private static readonly TurnEndpoint Alice = TurnEndpoint.From(IPAddress.Parse("192.0.2.10"), 5000);
    private static readonly TurnEndpoint Mallory = TurnEndpoint.From(IPAddress.Parse("192.0.2.11"), 5000);
    private static readonly TurnNonceIssuer Issuer = new(Encoding.ASCII.GetBytes("0123456789abcdef"), TimeSpan.FromMinutes(10), passwordAlgorithms: true);

    private static TurnNonceStatus Check(string nonce, TimeSpan now, TurnEndpoint from) => Issuer.Check(Encoding.ASCII.GetBytes(nonce), now, from, out _);

    [Fact]
    public void A_nonce_is_28_characters_with_the_cookie_and_the_password_algorithms_bit()
    {
        var nonce = Issuer.Issue(TimeSpan.FromSeconds(5), Alice);
        Assert.Equal(28, nonce.Length);
        Assert.StartsWith("obMatJos2", nonce);
        Assert.Equal(TurnNonceStatus.Valid, Issuer.Check(Encoding.ASCII.GetBytes(nonce), TimeSpan.FromSeconds(6), Alice, out var features));
        Assert.Equal(TurnNonceIssuer.FeaturePasswordAlgorithms, features);
    }

    [Theory]
    [InlineData(0, true)]      // at issue
    [InlineData(599, true)]    // a second before the lifetime ends
    [InlineData(600, false)]   // at the end of the lifetime
    [InlineData(86_400, false)]
    public void A_nonce_is_valid_for_its_lifetime_only(int secondsLater, bool valid)
    {
        var issuedAt = TimeSpan.FromSeconds(1000.4);
        var nonce = Issuer.Issue(issuedAt, Alice);
        Assert.Equal(valid ? TurnNonceStatus.Valid : TurnNonceStatus.Stale, Check(nonce, issuedAt + TimeSpan.FromSeconds(secondsLater), Alice));
    }

    [Fact]
    public void A_nonce_from_another_address_is_stale() =>
        Assert.Equal(TurnNonceStatus.Stale, Check(Issuer.Issue(TimeSpan.Zero, Alice), TimeSpan.FromSeconds(1), Mallory));

    [Fact]
    public void Every_altered_character_makes_the_nonce_stale()
    {
        var nonce = Issuer.Issue(TimeSpan.Zero, Alice);
        for (var i = 0; i < nonce.Length; i++)
        {
            var altered = nonce.ToCharArray();
            altered[i] = altered[i] == 'A' ? 'B' : 'A';
            Assert.Equal(TurnNonceStatus.Stale, Check(new string(altered), TimeSpan.FromSeconds(1), Alice));
        }
        Assert.Equal(TurnNonceStatus.Stale, Check(nonce[..^1], TimeSpan.FromSeconds(1), Alice));
        Assert.Equal(TurnNonceStatus.Stale, Check(nonce + "A", TimeSpan.FromSeconds(1), Alice));
    }

    [Fact]
    public void Only_the_canonical_spelling_is_valid()
    {
        // 11 bytes in 15 base64url characters: the last one carries 2 unused bits, so 4 spellings decode alike.
        var nonce = Issuer.Issue(TimeSpan.Zero, Alice);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var valid = alphabet.Where(c => Check(nonce[..^1] + c, TimeSpan.FromSeconds(1), Alice) == TurnNonceStatus.Valid).ToArray();
        Assert.Equal([nonce[^1]], valid);
    }

    [Fact]
    public void A_nonce_from_another_server_process_is_stale()
    {
        var other = new TurnNonceIssuer(Encoding.ASCII.GetBytes("fedcba9876543210"), TimeSpan.FromMinutes(10), passwordAlgorithms: true);
        Assert.Equal(TurnNonceStatus.Stale, Check(other.Issue(TimeSpan.Zero, Alice), TimeSpan.FromSeconds(1), Alice));
    }
}
