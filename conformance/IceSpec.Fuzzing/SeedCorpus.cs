using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using IceSpec.Captures;
using IceSpec.Fuzzing.Targets;
using IceSpec.Stun;
using IceSpec.Turn;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Fuzzing;

/// <summary>
/// Writes the seed corpora that come from the repository (README.md, "Seeds"): STUN messages and TCP streams of
/// pcaps/, the first frames of each capture (pcaps/, lab/, mdns/), the spec files, and scripted TURN exchanges. The RFC 5769 vectors and the
/// SDP seeds are committed as they are (corpus/stun/rfc5769-*, corpus/sdp/).
/// </summary>
public static class SeedCorpus
{
    private const int FramesPerCapture = 40;

    public static void Write(string repository, string output)
    {
        var pcaps = Path.Combine(repository, "pcaps");
        var captures = Directory.GetFiles(pcaps).Concat(Directory.GetFiles(Path.Combine(pcaps, "lab"))).Concat(Directory.GetFiles(Path.Combine(pcaps, "mdns")))
            .Where(f => f.EndsWith(".pcap") || f.EndsWith(".pcapng")).Order(StringComparer.Ordinal).ToList();
        var stunSeen = new HashSet<string>();
        foreach (var capture in captures)
        {
            var name = Path.GetFileNameWithoutExtension(capture);
            var messages = CaptureFile.Read(capture).Messages;
            // One STUN message per method and class and transport from each capture.
            foreach (var message in messages.Where(m => m.Kind == CapturedKind.Stun && m.Relay is null))
            {
                var key = $"{name}-{message.Transport}-{message.Bytes[0]:x2}{message.Bytes[1]:x2}";
                if (stunSeen.Add(key)) Save(output, "stun", key, message.Bytes);
            }
            // TCP streams as a TURN server or an ICE-TCP peer reads them (RFC 4571 frames rebuilt around the STUN inside).
            foreach (var direction in messages.Where(m => m.Transport == "tcp" && m.Relay is null).GroupBy(m => (m.Source, m.Destination)).Take(2))
            {
                var iceTcp = name.Contains("tcp") && name.Contains("libnice");
                var stream = direction.SelectMany(m => iceTcp ? Rfc4571(m.Bytes) : Padded(m)).Take(4096);
                Save(output, "framing", $"{name}-{direction.Key.Source.Port}", [(byte)(7 << 1), .. stream]);
            }
            Save(output, "capture", name, CaptureTarget.Encode(LinkType(capture), Frames(capture).Take(FramesPerCapture)));
        }
        foreach (var spec in Directory.GetFiles(Path.Combine(repository, "spec"), "*.spec")
                     .Append(Path.Combine(repository, "generators", "IceSpec.Generators.UserSpec.Tests", "acme.spec")))
        {
            var pieces = Pieces(File.ReadAllText(spec), SpecPiece).ToList();
            for (var i = 0; i < pieces.Count; i++) Save(output, "spec", $"{Path.GetFileNameWithoutExtension(spec)}-{i + 1}", Encoding.UTF8.GetBytes(pieces[i]));
        }
        Save(output, "turn-server", "udp-exchange", TurnExchange(0));
        Save(output, "turn-server", "tcp-exchange", TurnExchange(2));
        Save(output, "turn-server", "ipv6-exchange", TurnExchange(1));
    }

    private const int SpecPiece = 4096;

    /// <summary>The text cut at blank lines (between declarations) into pieces of at most <paramref name="size"/> characters where it can be.</summary>
    private static IEnumerable<string> Pieces(string text, int size)
    {
        var piece = new StringBuilder();
        foreach (var block in text.ReplaceLineEndings("\n").Split("\n\n"))
        {
            if (piece.Length > 0 && piece.Length + block.Length > size)
            {
                yield return piece.ToString();
                piece.Clear();
            }
            piece.Append(block).Append("\n\n");
        }
        if (piece.Length > 0) yield return piece.ToString();
    }

    private static IEnumerable<byte> Rfc4571(byte[] message) => [(byte)(message.Length >> 8), (byte)message.Length, .. message];

    private static IEnumerable<byte> Padded(CapturedMessage message) =>
        message.Kind == CapturedKind.ChannelData ? message.Bytes.Concat(new byte[StunHeader.Padded(message.Bytes.Length) - message.Bytes.Length]) : message.Bytes;

    private static int LinkType(string path)
    {
        using var device = new CaptureFileReaderDevice(path);
        device.Open();
        return (int)device.LinkType;
    }

    private static IEnumerable<byte[]> Frames(string path)
    {
        using var device = new CaptureFileReaderDevice(path);
        device.Open();
        while (device.GetNextPacket(out var packet) == GetPacketStatus.PacketRead) yield return packet.Data.ToArray();
    }

    private static void Save(string output, string target, string name, byte[] bytes)
    {
        var folder = Path.Combine(output, target);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, name), bytes);
    }

    /// <summary>
    /// A TURN client's whole life as a <see cref="TurnScript"/>: Allocate (401, then authenticated with the nonce the
    /// deterministic server issued), CreatePermission, ChannelBind, Send, ChannelData, peer data both ways, Binding,
    /// Refresh, time passing past the permission's lifetime, Refresh 0, the connection closing.
    /// </summary>
    private static byte[] TurnExchange(byte client)
    {
        var script = new List<byte>();
        var session = new TurnScript.Session();
        var peer = TurnScript.Peers[0].ToStunAddress();
        var otherPeer = TurnScript.Peers[1].ToStunAddress();
        string? nonce = null;
        var sequence = (byte)0;

        void Event(params byte[] bytes)
        {
            script.AddRange(bytes);
            var reader = new FuzzReader(bytes);
            session.Step(ref reader);
        }
        void Send(byte[] packet) => Event([TurnScript.ClientPacket, client, (byte)(packet.Length >> 8), (byte)packet.Length, .. packet]);
        void Request(ushort method, AddAttributes? attributes, bool authenticated = true)
        {
            var buffer = new byte[2048];
            Span<byte> id = stackalloc byte[12];
            id.Fill(++sequence);
            var builder = new StunMessageBuilder(buffer, new StunMessageType(method, StunClass.Request), id);
            attributes?.Invoke(ref builder);
            if (authenticated)
            {
                builder.AddUsername("alice");
                builder.AddRealm(TurnScript.Realm);
                builder.AddNonce(nonce ?? "");
                builder.AddMessageIntegrity(TurnScript.Alice);
            }
            builder.AddFingerprint();
            Send(builder.Written.ToArray());
        }

        Request(TurnMethods.Allocate, (ref StunMessageBuilder b) => b.AddRequestedTransport(new RequestedTransportValue((byte)TurnFormulas.RequestedTransportUdp, new byte[3])), authenticated: false);
        var challenge = session.Sent.Single();
        StunMessage.TryParse(challenge.Bytes, out var response);
        response.TryGetAttribute(StunAttributeTypes.Nonce, out var nonceBytes);
        nonce = Encoding.UTF8.GetString(nonceBytes);
        Request(TurnMethods.Allocate, (ref StunMessageBuilder b) => b.AddRequestedTransport(new RequestedTransportValue((byte)TurnFormulas.RequestedTransportUdp, new byte[3])));
        Request(TurnMethods.CreatePermission, (ref StunMessageBuilder b) => b.AddXorPeerAddress(peer));
        Request(TurnMethods.ChannelBind, (ref StunMessageBuilder b) =>
        {
            b.AddChannelNumber(new ChannelNumberValue(TurnRanges.ChannelNumbersLow, 0));
            b.AddXorPeerAddress(otherPeer);
        });
        var indication = new byte[256];
        var send = new StunMessageBuilder(indication, new StunMessageType(TurnMethods.Send, StunClass.Indication), RandomNumberGenerator.GetBytes(12));
        send.AddXorPeerAddress(peer);
        send.AddData("hello peer"u8);
        Send(send.Written.ToArray());
        var channelData = new byte[16];
        Send(channelData[..ChannelData.Write(channelData, TurnRanges.ChannelNumbersLow, "to peer 1"u8, padForStream: client >= 2)]);
        Event([TurnScript.PeerDatagram, 0, 0, 0, 5, .. "hello"u8]);
        Event([TurnScript.PeerDatagram, 0, 1, 0, 5, .. "world"u8]);
        Request(StunMethods.Binding, null, authenticated: false);
        Event(TurnScript.TimePasses, 200);
        Request(TurnMethods.Refresh, (ref StunMessageBuilder b) => b.AddLifetime(1200));
        Event(TurnScript.TimePasses, 150); // past the permission's 300 s (RFC 8656 §9)
        Event([TurnScript.PeerDatagram, 0, 0, 0, 4, .. "late"u8]);
        Request(TurnMethods.Refresh, (ref StunMessageBuilder b) => b.AddLifetime(0));
        Event(TurnScript.ConnectionClosed, client);
        session.Finish();
        if (!session.Sent.Any() && script.Count == 0) throw new InvalidOperationException("empty script");
        return [.. script];
    }

    private delegate void AddAttributes(ref StunMessageBuilder builder);
}
