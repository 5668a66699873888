using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>Bad input gives a clear answer, never a crash: every capture of the corpus (but broken/) with random bytes flipped, decoded, analysed and diagnosed.</summary>
[Trait("Category", "unit")]
public class CorruptCaptureTests
{
    /// <summary>The captures of pcaps/ and pcaps/lab/ (Linux cooked headers), relative to pcaps/.</summary>
    public static TheoryData<string> Captures() =>
        new(new[] { Frames.Pcaps, Path.Combine(Frames.Pcaps, "lab") }
            .SelectMany(dir => Directory.GetFiles(dir).Where(f => f.EndsWith(".pcap") || f.EndsWith(".pcapng")))
            .Select(f => Path.GetRelativePath(Frames.Pcaps, f)).Order());

    [Theory]
    [MemberData(nameof(Captures))]
    public void Randomly_corrupted_capture_is_decoded_and_analysed_without_crashing(string name)
    {
        var original = File.ReadAllBytes(Path.Combine(Frames.Pcaps, name));
        var random = new Random(name.Sum(c => c) ^ 20261124); // the same flips on every run
        using var file = new TempFile(Path.GetExtension(name));
        for (var round = 0; round < 20; round++)
        {
            var bytes = (byte[])original.Clone();
            // Past the file header; some flips land in record/block headers (the reader must say where it stopped), most in packets.
            for (var flips = 0; flips < 1 + round; flips++) bytes[random.Next(40, bytes.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(file.Path, bytes);
            foreach (var command in new[] { "decode", "analyze", "diagnose" })
            {
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                var code = CliApp.Run([command, file.Path, "--json", "--credentials", Path.Combine(Frames.Pcaps, Path.ChangeExtension(name, ".credentials"))],
                    new StringReader(""), stdout, stderr);
                Assert.True(code is ExitCodes.Ok or ExitCodes.Failed or ExitCodes.Usage, $"{command} round {round}: exit {code}");
                Assert.False(stderr.ToString().Contains("internal error"), stderr.ToString());
            }
        }
    }
}
