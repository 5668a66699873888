using IceSpec.Captures.Framing;

namespace IceSpec.Captures;

/// <summary>Reads a pcap or pcapng file (<see cref="CaptureFileReader"/>) and decodes it with a <see cref="CaptureDecoder"/>.</summary>
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
        CaptureFileReader reader;
        try
        {
            reader = new CaptureFileReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new CaptureException($"{path}: not a readable pcap/pcapng capture ({e.Message})", e);
        }
        using (reader)
        {
            var decoder = new CaptureDecoder(sink);
            var frame = 0;
            try
            {
                while (reader.TryRead(out var captured))
                    decoder.AddFrame(++frame, captured.Time, captured.LinkType, captured.Data);
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return (frame, $"{path}: the capture is truncated or corrupt after frame {frame} ({e.Message})");
            }
            return (frame, null);
        }
    }
}
