using System.CommandLine;
using IceSpec.Cli.Decoding;
using IceSpec.Cli.Demo;
using IceSpec.Cli.Rendering;
using IceSpec.Stun;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec demo</c>: the whole codec on embedded defaults — every published vector decoded and verified, a Binding
/// request built and read back, the client transaction machine drawn and run on a virtual clock.
/// </summary>
public static class DemoCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("demo", "Decode and verify the RFC 5769 and RFC 8489 vectors, build a Binding request, show the transaction machine.");
        command.SetAction(_ => Run(console.Out));
        return command;
    }

    public static int Run(TextWriter output)
    {
        output.WriteLine("IceSpec demo: the STUN codec on embedded defaults");
        output.WriteLine();

        var verified = 0;
        foreach (var entry in DemoVectors.All)
        {
            var report = MessageInspector.Inspect(entry.Vector.Bytes, null, entry.Credential);
            TextRenderer.Write(output, report, $"== {entry.Vector.Name} ==");
            output.WriteLine();
            if (report.Passed) verified++;
        }

        var built = BuildAndDecode(output);
        WriteMachine(output);
        WriteSchedule(output);

        var total = DemoVectors.All.Count;
        output.WriteLine($"vectors verified: {verified} of {total}; built request {(built ? "verified" : "FAILED")}");
        return verified == total && built ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static bool BuildAndDecode(TextWriter output)
    {
        var bytes = DemoRequest.Build();
        output.WriteLine("== Binding request built with StunMessageBuilder ==");
        output.WriteLine("hex: " + Convert.ToHexStringLower(bytes));
        var report = MessageInspector.Inspect(bytes, StunValidator.NameOf(StunValidator.Profile.IceCheck), DemoRequest.Credential);
        TextRenderer.Write(output, report);
        output.WriteLine();
        return report.Passed;
    }

    private static void WriteMachine(TextWriter output)
    {
        var definition = StunClientTransactionMachine.Definition;
        output.WriteLine($"== {definition.Name} machine ({definition.Citation}), Mermaid ==");
        output.Write(StunClientTransactionMachine.ToMermaid());
        output.WriteLine();
    }

    private static void WriteSchedule(TextWriter output)
    {
        var request = new byte[StunHeader.Length];
        new StunMessageBuilder(request, new StunMessageType(StunMethods.Binding, StunClass.Request), System.Security.Cryptography.RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength));
        var transaction = new StunClientTransaction(request, StunTransport.Unreliable);
        var settings = transaction.Settings;
        output.WriteLine($"== Retransmissions with no response (unreliable transport; Rto {(long)settings.Rto.TotalMilliseconds} ms, Rc {settings.Rc}, Rm {settings.Rm}) ==");
        var schedule = RetransmissionSchedule.Run(transaction);
        for (var i = 0; i < schedule.Sends.Count; i++)
            output.WriteLine($"  request {i + 1} sent at {(long)schedule.Sends[i].TotalMilliseconds} ms");
        var ending = schedule.Outcome == StunTransactionOutcome.TimedOut ? "timed out" : schedule.Outcome.ToString();
        output.WriteLine($"  {ending} at {(long)schedule.EndedAt.TotalMilliseconds} ms");
        output.WriteLine();
    }
}
