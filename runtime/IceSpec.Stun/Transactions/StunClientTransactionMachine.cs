namespace IceSpec.Stun;

/// <summary>The runtime side of the generated machine: its <c>call Transmit</c> action queues one send of the request.</summary>
public sealed partial class StunClientTransactionMachine
{
    internal int PendingTransmits { get; set; }

    partial void Transmit() => PendingTransmits++;

    partial void OnReset() => PendingTransmits = 0;
}
