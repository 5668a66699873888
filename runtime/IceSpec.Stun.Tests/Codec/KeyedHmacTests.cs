using System.Security.Cryptography;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>
/// Both HMAC implementations behind <see cref="StunKey"/> (OpenSSL SHA with kept pad states, and .NET's IncrementalHash)
/// against .NET's one-shot HMAC: keys shorter than, equal to and longer than the 64-byte block (RFC 2104 §2 hashes the
/// latter first), inputs split anywhere between the patched header and the rest, and inputs on both sides of the length
/// above which the SHA calls take the GC transition.
/// </summary>
[Trait("Category", "unit")]
public sealed class KeyedHmacTests
{
    private static readonly int[] KeyLengths = [0, 1, 16, 20, 32, 63, 64, 65, 128, 300];
    private static readonly int[] DataLengths = [0, 1, 20, 55, 56, 63, 64, 65, 76, 119, 120, 1000, 2047, 2048, 2049, 5000];

    public static TheoryData<string, string> Implementations() => new()
    {
        { "openssl-pads", "SHA1" }, { "openssl-pads", "SHA256" }, { "managed", "SHA1" }, { "managed", "SHA256" },
    };

    [Fact]
    public void On_linux_the_pad_state_implementation_is_the_one_in_use()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("ICESPEC_MANAGED_HMAC") == "1") return;
        Assert.True(PadStateHmac.IsAvailable, "libcrypto.so.3's SHA1_*/SHA256_* did not load: StunKey falls back to .NET's HMAC");
        Assert.IsType<PadStateHmac>(KeyedHmac.Create(HashAlgorithmName.SHA1, new byte[16]));
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Hmac_equals_dot_nets_one_shot_hmac_for_every_key_length_data_length_and_split(string implementation, string algorithmName)
    {
        if (implementation == "openssl-pads" && !PadStateHmac.IsAvailable) return;
        var algorithm = new HashAlgorithmName(algorithmName);
        var random = new Random(5769);
        foreach (var keyLength in KeyLengths)
        {
            var key = new byte[keyLength];
            random.NextBytes(key);
            KeyedHmac hmac = implementation == "openssl-pads" ? new PadStateHmac(algorithm, key) : new KeyedHmac.ManagedHmac(algorithm, key);
            foreach (var dataLength in DataLengths)
            {
                var data = new byte[dataLength];
                random.NextBytes(data);
                var expected = algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);
                foreach (var split in (int[])[0, Math.Min(20, dataLength), dataLength / 2, dataLength])
                {
                    var computed = new byte[hmac.Length + 3]; // room to spare: only Length bytes are written
                    hmac.Compute(data.AsSpan(0, split), data.AsSpan(split), computed);
                    Assert.True(expected.AsSpan().SequenceEqual(computed.AsSpan(0, hmac.Length)),
                        $"{implementation} {algorithmName}: key {keyLength} B, data {dataLength} B split at {split}");
                    Assert.Equal(new byte[3], computed[hmac.Length..]);
                }
            }
        }
    }

    [Fact]
    public void Fixed_time_equals_finds_a_difference_in_any_bit_of_any_byte_and_different_lengths_unequal()
    {
        for (var length = 0; length <= 40; length++)
        {
            var left = new byte[length];
            new Random(length).NextBytes(left);
            Assert.True(StunIntegrity.FixedTimeEquals(left, left.ToArray()));
            for (var i = 0; i < length; i++)
                for (var bit = 0; bit < 8; bit++)
                {
                    var right = left.ToArray();
                    right[i] ^= (byte)(1 << bit);
                    Assert.False(StunIntegrity.FixedTimeEquals(left, right), $"length {length}, byte {i}, bit {bit}");
                }
            Assert.False(StunIntegrity.FixedTimeEquals(left, new byte[length + 1]));
        }
    }

    [Fact]
    public void Message_integrity_of_a_message_over_the_fast_call_limit_with_attributes_after_it_is_hmac_of_the_patched_message()
    {
        // 3 kB of PADDING, MESSAGE-INTEGRITY, then a SOFTWARE: the covered part is longer than the fast-call limit and the
        // header's length field must be patched (hashed as a 20-byte copy, the rest in place).
        var buffer = new byte[4000];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddPadding(new byte[3000]);
        var key = StunKey.ShortTerm("a password of a fair length");
        builder.AddMessageIntegrity(key);
        builder.AddSoftware("after the integrity attribute");
        var bytes = builder.Written.ToArray();
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(bytes, out var message));
        var offset = message.MessageIntegrityOffset;

        var covered = bytes[..offset];
        covered[2] = (byte)((offset + 24 - 20) >> 8);
        covered[3] = (byte)(offset + 24 - 20);
        Assert.Equal(HMACSHA1.HashData(key.Bytes, covered), bytes[(offset + 4)..(offset + 24)]);
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(message, key));
        bytes[100] ^= 1;
        StunMessage.TryParse(bytes, out message);
        Assert.Equal(IntegrityStatus.Mismatch, StunIntegrity.VerifyMessageIntegrity(message, key));
    }
}
