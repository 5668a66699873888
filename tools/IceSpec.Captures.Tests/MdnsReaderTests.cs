using System.Net;
using IceSpec.Captures.Mdns;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The mDNS reader (<see cref="MdnsMessage.TryRead"/>) on messages written from the RFC layouts (<see cref="MdnsWire"/>):
/// questions with their QU bit, records with cache-flush and goodbye TTLs, compressed names; and every kind of broken
/// message refused with a reason, never read past its end, never looping.
/// </summary>
[Trait("Category", "unit")]
public class MdnsReaderTests
{
    private const string Name = "3f1c5b2e-8d4a-4f6b-9c1d-2e7a9b0c4d5e.local";

    private static MdnsMessage Read(byte[] bytes)
    {
        Assert.True(MdnsMessage.TryRead(bytes, out var message, out var error), error);
        return message;
    }

    [Fact]
    public void A_question_with_the_top_bit_of_its_class_set_asks_for_a_unicast_response()
    {
        var qu = Read(MdnsWire.Query(Name, unicastResponse: true));
        var qm = Read(MdnsWire.Query(Name, unicastResponse: false));
        Assert.False(qu.IsResponse);
        Assert.Equal(new MdnsQuestion(Name, MdnsMessage.TypeA, true), Assert.Single(qu.Questions));
        Assert.Equal(new MdnsQuestion(Name, MdnsMessage.TypeA, false), Assert.Single(qm.Questions));
    }

    [Fact]
    public void A_response_gives_each_name_its_address_ttl_and_cache_flush_bit()
    {
        var message = Read(MdnsWire.Concat(MdnsWire.Header(true, 0, 2, additional: 1),
            MdnsWire.A(MdnsWire.Name(Name), "10.0.1.2", ttl: 120, cacheFlush: true),
            MdnsWire.Aaaa(MdnsWire.Pointer(12), "fd00::2", ttl: 4500, cacheFlush: false),
            MdnsWire.A(MdnsWire.Name("other.local"), "10.0.1.3", ttl: 60, cacheFlush: true)));
        Assert.True(message.IsResponse);
        Assert.Empty(message.Questions);
        Assert.Equal(
            [
                new MdnsRecord(MdnsSection.Answer, Name, MdnsMessage.TypeA, true, 120, IPAddress.Parse("10.0.1.2"), null),
                new MdnsRecord(MdnsSection.Answer, Name, MdnsMessage.TypeAaaa, false, 4500, IPAddress.Parse("fd00::2"), null),
                new MdnsRecord(MdnsSection.Additional, "other.local", MdnsMessage.TypeA, true, 60, IPAddress.Parse("10.0.1.3"), null),
            ], message.Records);
    }

    [Fact]
    public void A_record_with_ttl_zero_is_a_goodbye()
    {
        var record = Assert.Single(Read(MdnsWire.Response(Name, 0, "10.0.1.2")).Records);
        Assert.True(record.IsGoodbye);
        Assert.False(Assert.Single(Read(MdnsWire.Response(Name, 1, "10.0.1.2")).Records).IsGoodbye);
    }

    [Fact]
    public void A_name_ending_in_a_pointer_takes_the_rest_from_the_earlier_name()
    {
        // "host" then a pointer to offset 12+5 = the "local" label of the question's name.
        var question = MdnsWire.Question(MdnsWire.Name("abc.local"), MdnsMessage.TypeAny, false);
        var message = Read(MdnsWire.Concat(MdnsWire.Header(true, 1, 1), question,
            MdnsWire.Record([4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', .. MdnsWire.Pointer(16)], MdnsMessage.TypePtr, false, 10, MdnsWire.Pointer(12))));
        Assert.Equal("ANY", Assert.Single(message.Questions).TypeName);
        var record = Assert.Single(message.Records);
        Assert.Equal(("host.local", "abc.local"), (record.Name, record.Target));
    }

    [Fact]
    public void A_compression_pointer_to_itself_or_forward_is_refused_as_a_loop()
    {
        // The question's name is a pointer to its own offset (12): a resolver that follows it loops forever.
        var self = MdnsWire.Concat(MdnsWire.Header(false, 1, 0), MdnsWire.Pointer(12), [0, 1, 0, 1]);
        Assert.False(MdnsMessage.TryRead(self, out _, out var error));
        Assert.Contains("does not point back", error);
        // Two names pointing at each other: the second points back (allowed), the first forward (refused).
        var pair = MdnsWire.Concat(MdnsWire.Header(false, 2, 0), MdnsWire.Pointer(18), [0, 1, 0, 1], MdnsWire.Pointer(12), [0, 1, 0, 1]);
        Assert.False(MdnsMessage.TryRead(pair, out _, out error));
        Assert.Contains("loop", error);
    }

    [Fact]
    public void Every_cut_short_message_is_refused_with_a_reason()
    {
        var whole = MdnsWire.Concat(MdnsWire.Header(true, 1, 1), MdnsWire.Question(MdnsWire.Name(Name), 1, true),
            MdnsWire.A(MdnsWire.Pointer(12), "10.0.1.2"));
        Read(whole);
        for (var length = 0; length < whole.Length; length++)
        {
            Assert.False(MdnsMessage.TryRead(whole.AsSpan(0, length), out _, out var error), $"{length} bytes read as a whole message");
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Fact]
    public void An_address_record_of_the_wrong_length_and_a_reserved_label_type_are_refused()
    {
        var shortA = MdnsWire.Concat(MdnsWire.Header(true, 0, 1), MdnsWire.Record(MdnsWire.Name(Name), MdnsMessage.TypeA, true, 120, [10, 0, 1]));
        Assert.False(MdnsMessage.TryRead(shortA, out _, out var error));
        Assert.Contains("3 bytes of address", error);
        var reserved = MdnsWire.Concat(MdnsWire.Header(false, 1, 0), [0x40, 1, 0, 0, 1, 0, 1]);
        Assert.False(MdnsMessage.TryRead(reserved, out _, out error));
        Assert.Contains("label type 0x40", error);
    }

    [Fact]
    public void A_name_longer_than_255_bytes_is_refused()
    {
        var labels = string.Join('.', Enumerable.Repeat(new string('a', 63), 5));
        Assert.False(MdnsMessage.TryRead(MdnsWire.Query(labels), out _, out var error));
        Assert.Contains("longer than 255", error);
    }

    [Fact]
    public void An_nsec_record_lists_the_types_its_bitmap_sets_and_a_cut_bitmap_is_refused()
    {
        // RFC 4034 §4.1.2: window 0, 4 bytes: bit 1 (A) of byte 0 and bit 28 (AAAA: byte 3, bit 4) set. Next domain name: a pointer to the name.
        var nsec = MdnsWire.Concat(MdnsWire.Header(true, 0, 1, additional: 1), MdnsWire.A(MdnsWire.Name(Name), "10.0.1.2"),
            MdnsWire.Record(MdnsWire.Pointer(12), MdnsMessage.TypeNsec, true, 120, [.. MdnsWire.Pointer(12), 0, 4, 0x40, 0, 0, 0x08]));
        var record = Read(nsec).Records[1];
        Assert.Equal(("NSEC", Name), (record.TypeName, record.Name));
        Assert.Equal([MdnsMessage.TypeA, MdnsMessage.TypeAaaa], record.NsecTypes);

        var cut = MdnsWire.Concat(MdnsWire.Header(true, 0, 1),
            MdnsWire.Record(MdnsWire.Name(Name), MdnsMessage.TypeNsec, true, 120, [.. MdnsWire.Pointer(12), 0, 4, 0x40]));
        Assert.False(MdnsMessage.TryRead(cut, out _, out var error));
        Assert.Contains("NSEC type bitmap", error);
    }

    [Fact]
    public void An_nsec_next_domain_name_running_past_its_rdlength_is_refused_not_a_crash()
    {
        // RDLENGTH 1 holds only the first octet of a pointer; its second octet lies after the record (fuzz input
        // regressions/capture/mdns-nsec-name-past-rdlength: an ArgumentOutOfRangeException before).
        var message = MdnsWire.Concat(MdnsWire.Header(true, 0, 1), MdnsWire.Record(MdnsWire.Name(Name), MdnsMessage.TypeNsec, true, 120, [0xC0]), [12]);
        Assert.False(MdnsMessage.TryRead(message, out _, out var error));
        Assert.Contains("NSEC next domain name runs past RDLENGTH", error);
    }
}
