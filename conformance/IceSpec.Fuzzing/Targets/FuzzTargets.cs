namespace IceSpec.Fuzzing.Targets;

/// <summary>Every target, by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new StunTarget(), new FramingTarget(), new SdpTarget(), new CaptureTarget(), new SpecTarget(), new TurnServerTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
