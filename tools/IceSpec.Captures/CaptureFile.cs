using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace IceSpec.Captures;

/// <summary>Reads a pcap or pcapng file (libpcap through SharpPcap) and decodes it with a <see cref="CaptureDecoder"/>.</summary>
public static class CaptureFile
{
    /// <summary>
    /// All STUN and ChannelData messages of <paramref name="path"/>. Throws <see cref="CaptureException"/> when the file
    /// cannot be opened as a capture; a capture that breaks off midway returns what was read, with <see cref="CaptureResult.Error"/> set.
    /// </summary>
    public static CaptureResult Read(string path)
    {
        var messages = new List<CapturedMessage>();
        var (frames, error) = Stream(path, messages.Add);
        return new CaptureResult(messages, frames, error);
    }

    /// <summary>
    /// Streams the messages of <paramref name="path"/> to <paramref name="sink"/> in capture order without keeping them:
    /// memory stays bounded whatever the file's size. Returns the frame count and why reading stopped early (or null).
    /// Throws <see cref="CaptureException"/> as <see cref="Read"/> does.
    /// </summary>
    public static (int Frames, string? Error) Stream(string path, Action<CapturedMessage> sink)
    {
        if (Directory.Exists(path)) throw new CaptureException($"{path}: is a directory, not a capture file");
        if (!File.Exists(path)) throw new CaptureException($"{path}: no such file");
        CaptureFileReaderDevice device;
        try
        {
            device = new CaptureFileReaderDevice(path);
            device.Open();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException)
        {
            throw new CaptureException("reading captures needs the native libpcap (Debian package libpcap0.8)", e);
        }
        catch (Exception e)
        {
            throw new CaptureException($"{path}: not a readable pcap/pcapng capture ({Clean(e.Message)})", e);
        }

        using (device)
        {
            var decoder = new CaptureDecoder(sink);
            var frame = 0;
            string? error = null;
            while (true)
            {
                GetPacketStatus status;
                PacketCapture capture;
                try
                {
                    status = device.GetNextPacket(out capture);
                }
                catch (Exception e)
                {
                    error = $"{path}: reading stopped after frame {frame}: {Clean(e.Message)}";
                    break;
                }
                if (status == GetPacketStatus.NoRemainingPackets) break;
                if (status != GetPacketStatus.PacketRead)
                {
                    error = $"{path}: the capture is truncated or corrupt after frame {frame}" +
                            (string.IsNullOrWhiteSpace(device.LastError) ? "" : $" ({Clean(device.LastError)})");
                    break;
                }
                frame++;
                var raw = capture.GetPacket();
                decoder.AddFrame(frame, raw.Timeval.Date, (int)raw.LinkLayerType, raw.Data);
            }
            return (frame, error);
        }
    }

    private static string Clean(string message) => message.ReplaceLineEndings(" ").Trim();
}
