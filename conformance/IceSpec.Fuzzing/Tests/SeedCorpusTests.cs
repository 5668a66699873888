using IceSpec.Fuzzing.Targets;
using IceSpec.Stun;

namespace IceSpec.Fuzzing.Tests;

/// <summary>The seeds reach what they are meant to reach: otherwise a target fuzzes only its error paths.</summary>
[Trait("Category", "unit")]
public sealed class SeedCorpusTests
{
    /// <summary>
    /// The TURN scripts authenticate with the nonce the deterministic server issues, and <see cref="TurnScript.Authenticate"/>
    /// keeps a mutated request authenticated: the seed's Allocate succeeds, also with a byte of it changed — which fails
    /// without the fix-up.
    /// </summary>
    [Theory]
    [InlineData("udp-exchange")]
    [InlineData("tcp-exchange")]
    [InlineData("ipv6-exchange")]
    public void Turn_scripts_allocate_with_alice_credentials(string seed)
    {
        var script = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", "turn-server", seed));
        Assert.Contains(0x0103, Responses(script)); // Allocate success (RFC 8656 §7.3)

        // A mutation inside what MESSAGE-INTEGRITY covers (the authenticated Allocate's transaction ID, 12 × 0x02).
        var mutated = (byte[])script.Clone();
        mutated[IndexOf(mutated, Enumerable.Repeat((byte)2, 12).ToArray(), 0)] ^= 0x80;
        Assert.Contains(0x0103, Responses(mutated));
        Assert.DoesNotContain(0x0103, Responses(mutated, sign: false));
    }

    private static List<int> Responses(byte[] script, bool sign = true)
    {
        var session = new TurnScript.Session { SignRequests = sign };
        var reader = new FuzzReader(script);
        var types = new List<int>();
        while (!reader.IsEmpty)
        {
            session.Step(ref reader);
            foreach (var (_, bytes) in session.Sent)
                if (StunMessage.TryParse(bytes, out var message) == StunParseStatus.Ok) types.Add(message.RawType);
        }
        return types;
    }

    private static int IndexOf(byte[] data, byte[] pattern, int from) =>
        Enumerable.Range(from, data.Length - pattern.Length - from + 1).First(i => data.AsSpan(i, pattern.Length).SequenceEqual(pattern));
}
