using System.Net;
using IceSpec.Ice.Mdns;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>The RFC 1035 §4 / RFC 6762 §18 codec: bytes written by hand from the RFC layout, and inputs that must be refused.</summary>
[Trait("Category", "unit")]
public sealed class MdnsMessageTests
{
    // "abc.local" as labels: 3 'a' 'b' 'c' 5 'l' 'o' 'c' 'a' 'l' 0
    private static readonly byte[] AbcLocal = [3, 0x61, 0x62, 0x63, 5, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0];

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    [Fact]
    public void A_query_with_the_QU_bit_is_written_as_RFC_6762_lays_it_out()
    {
        var bytes = MdnsMessage.Query(new MdnsQuestion("abc.local", MdnsRecordTypes.A, UnicastResponse: true)).Encode();
        byte[] expected = Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], AbcLocal, [0, 1, 0x80, 1]);
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void A_response_with_a_compressed_name_and_the_cache_flush_bit_is_read()
    {
        // Header: ID 0, flags 0x8400 (QR, AA), 1 question, 1 answer; the answer's name is a pointer to offset 12.
        var bytes = Concat([0, 0, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0], AbcLocal, [0, 1, 0, 1],
            [0xC0, 12, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 192, 0, 2, 7]);
        Assert.True(MdnsMessage.TryParse(bytes, out var message, out var error), error);
        Assert.True(message!.IsResponse);
        Assert.Equal(new MdnsQuestion("abc.local", MdnsRecordTypes.A, false), message.Questions.Single());
        var answer = message.Answers.Single();
        Assert.Equal(("abc.local", MdnsRecordTypes.A, true, 120u, IPAddress.Parse("192.0.2.7")), (answer.Name, answer.Type, answer.CacheFlush, answer.Ttl, answer.Address));
    }

    [Fact]
    public void An_AAAA_answer_in_the_additional_section_carries_its_IPv6_address()
    {
        var bytes = Concat([0, 0, 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 1], AbcLocal, [0, 28, 0x80, 1, 0, 0, 0, 120, 0, 16],
            IPAddress.Parse("2001:db8::5").GetAddressBytes());
        Assert.True(MdnsMessage.TryParse(bytes, out var message, out var error), error);
        Assert.Empty(message!.Answers);
        Assert.Equal(IPAddress.Parse("2001:db8::5"), message.Records.Single().Address);
    }

    [Fact]
    public void What_is_written_reads_back_the_same()
    {
        var response = MdnsMessage.Response(7, [new MdnsRecord("f3c1d1e2-0000-4000-8000-000000000001.local", MdnsRecordTypes.A, true, 120, IPAddress.Parse("10.1.0.2"))],
            [new MdnsQuestion("f3c1d1e2-0000-4000-8000-000000000001.local", MdnsRecordTypes.A, true)]);
        Assert.True(MdnsMessage.TryParse(response.Encode(), out var read, out var error), error);
        Assert.Equal(response.Records, read!.Records);
        Assert.Equal(response.Questions, read.Questions);
        Assert.Equal((7, true, 1), (read.Id, read.IsResponse, read.AnswerCount));
    }

    public static TheoryData<string, byte[], string> Broken => new()
    {
        { "header cut", [0, 0, 0x84], "header" },
        { "count past the end", [0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0], "counts" },
        { "name runs past the end", Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [3, 0x61, 0x62, 0x63, 5, 0x6c]), "past the end" },
        { "question ends early", Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], AbcLocal, [0, 1]), "ends early" },
        // A pointer to itself: followed blindly it loops for ever.
        { "pointer loop", Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0xC0, 12, 0, 1, 0, 1]), "does not point back" },
        { "forward pointer", Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0xC0, 40, 0, 1, 0, 1]), "does not point back" },
        { "reserved label type", Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0x40, 1, 0, 1, 0, 1]), "label type" },
        { "RDATA past the end", Concat([0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0], AbcLocal, [0, 1, 0x80, 1, 0, 0, 0, 120, 0, 40, 1, 2]), "RDATA" },
        { "longer than 9000 bytes", new byte[9001], "9000" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_message_is_refused_with_its_reason(string what, byte[] bytes, string reason)
    {
        var (parsed, message, error) = ParseWithin(bytes);
        Assert.False(parsed, what);
        Assert.Null(message);
        Assert.Contains(reason, error);
    }

    /// <summary>Parses on another thread and fails after 5 s: a compression loop followed blindly never returns.</summary>
    private static (bool Parsed, MdnsMessage? Message, string Error) ParseWithin(byte[] bytes)
    {
        var parsing = Task.Run(() => (MdnsMessage.TryParse(bytes, out var message, out var error), message, error));
        Assert.True(parsing.Wait(TimeSpan.FromSeconds(5)), "TryParse did not return within 5 s");
        return parsing.Result;
    }

    [Fact]
    public void A_name_of_labels_that_point_back_into_each_other_ends_at_255_octets()
    {
        // offset 12: label "a", then a pointer back to 12: each round adds a label, never a zero octet.
        var bytes = Concat([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [1, 0x61, 0xC0, 12, 0, 1, 0, 1]);
        var (parsed, _, error) = ParseWithin(bytes);
        Assert.False(parsed);
        Assert.Contains("255", error);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(17);
        for (var i = 0; i < 20000; i++)
        {
            var bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            if (bytes.Length > 12) bytes[4] = 0; // keep counts small so that names get read
            MdnsMessage.TryParse(bytes, out _, out _);
        }
    }
}
