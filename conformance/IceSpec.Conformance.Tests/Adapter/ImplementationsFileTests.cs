using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Tests.Adapter;

/// <summary>Implementations files (conformance/ADAPTER.md "Declaring a driver"): what a good one gives, and each mistake's message naming the file and the entry.</summary>
[Trait("Category", "unit")]
public sealed class ImplementationsFileTests : IDisposable
{
    private const string Good = "'name': 'ext', 'description': 'an external stack', 'capabilities': ['aggressive', 'stun'], 'command': ['python3', 'driver.py']";
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-implementations-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json, string name = "implementations.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    private static string OneEntry(string members) => J($"{{ 'implementations': [ {{ {members} }} ] }}");

    [Fact]
    public void A_good_file_gives_declarations_with_paths_relative_to_its_directory()
    {
        var path = Write("""
            // comments and trailing commas are allowed
            { "implementations": [
              { "name": "ext", "description": "an external stack", "capabilities": ["aggressive", "stun", "stun"],
                "command": ["python3", "{sources}/driver.py"] },
              { "name": "built", "description": "built first", "capabilities": ["regular"], "sources": "src/built",
                "build": ["sh", "build.sh", "{build}"], "check": ["true"], "command": ["{build}/driver"],
                "environment": { "LIB": "{build}/lib" }, "requires": "Needs gcc.", },
            ] }
            """);

        var declarations = ImplementationsFile.Load(path);

        Assert.Equal(["ext", "built"], declarations.Select(d => d.Name));
        var ext = declarations[0];
        Assert.Equal(_directory, ext.SourceDirectory);
        Assert.Equal(path, ext.Origin);
        Assert.Equal(["aggressive", "stun"], ext.Capabilities);
        Assert.Equal(["python3", "{sources}/driver.py"], ext.Command);
        Assert.Null(ext.Build);
        var built = declarations[1];
        Assert.Equal(Path.Combine(_directory, "src", "built"), built.SourceDirectory);
        Assert.Equal(["sh", "build.sh", "{build}"], built.Build);
        Assert.Equal(["true"], built.Check);
        Assert.Equal("{build}/lib", built.Environment!["LIB"]);
        Assert.Equal("Needs gcc.", built.Requires);
        Assert.Equal("bundled", ImplementationsFile.Load(path, "bundled")[0].Spec.Origin);
    }

    /// <summary>JSON written with single quotes, to keep the cases readable.</summary>
    private static string J(string json) => json.Replace('\'', '"');

    public static TheoryData<string, string> MalformedFiles() => new()
    {
        { J("{ 'implementations': [ { 'name': 'ext' "), ":1: not valid JSON: Expected depth to be zero at the end of the JSON payload" },
        { J("{ 'implementations': [ { 'name': 'a', 'name': 'b' } ] }"), ": implementation #1 \"b\": \"name\" is given twice" },
        { J("{ 'implementations': [ ], 'implementations': [ ] }"), ": \"implementations\" is given twice" },
        { "[ ]", ": expected an object { \"implementations\": [ … ] }" },
        { J("{ 'implementations': [ ], 'drivers': [ ] }"), ": unknown member \"drivers\" (the file holds only \"implementations\")" },
        { J("{ 'implementations': [ 42 ] }"), ": implementation #1: an implementation is an object, not number" },
        { OneEntry("'description': 'd', 'capabilities': [], 'command': ['x']"), ": implementation #1: missing \"name\"" },
        { OneEntry("'name': 'ext', 'capabilities': [], 'command': ['x']"), ": implementation #1 \"ext\": missing \"description\"" },
        { OneEntry("'name': 'ext', 'description': 'd', 'command': ['x']"), ": implementation #1 \"ext\": missing \"capabilities\" (an array of: regular, aggressive," },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': []"), ": implementation #1 \"ext\": missing \"command\"" },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': [], 'command': 'python3 driver.py'"), ": implementation #1 \"ext\": \"command\" must be an array of strings" },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': ['stun', 1], 'command': ['x']"), ": implementation #1 \"ext\": \"capabilities\" must be an array of strings" },
        { OneEntry(Good + ", 'environment': { 'A': 1 }"), ": implementation #1 \"ext\": \"environment\" must be an object whose values are strings" },
        { OneEntry(Good + ", 'capabilites': ['stun']"), ": implementation #1 \"ext\": unknown field \"capabilites\"; known: name, description," },
        { J($"{{ 'implementations': [ {{ {Good} }}, {{ {Good} }} ] }}"), ": implementation #2 \"ext\": the name is already declared by implementation #1" },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': ['agressive'], 'command': ['x']"),
            ": implementation #1 \"ext\": unknown capability 'agressive'; known: regular, aggressive, trickle, stun, turn-udp, turn-tcp, relay-policy, ice-tcp, ice-tcp-passive" },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': [], 'command': ['python3', '{src}/driver.py']"),
            ": implementation #1 \"ext\": unknown placeholder {src} in \"command\"; known: {sources}, {build}, {kit}" },
        { OneEntry("'name': 'ext', 'description': 'd', 'capabilities': [], 'command': ['{build}/driver']"),
            ": implementation #1 \"ext\": {build} in \"command\" needs a \"build\" step" },
        { OneEntry(Good + ", 'check': []"), ": implementation #1 \"ext\": \"check\" needs a program" },
        { OneEntry("'name': 'a>b', 'description': 'd', 'capabilities': [], 'command': ['x']"), ": implementation #1 \"a>b\": bad name 'a>b'" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void A_malformed_file_is_an_error_naming_the_file_and_the_entry(string json, string message)
    {
        var path = Write(json);

        var e = Assert.Throws<DriverDeclarationException>(() => ImplementationsFile.Load(path));

        Assert.True(e.Message.StartsWith(path + message, StringComparison.Ordinal), $"expected it to start with\n{path + message}\nbut it was\n{e.Message}");
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var path = Path.Combine(_directory, "absent.json");

        var e = Assert.Throws<DriverDeclarationException>(() => ImplementationsFile.Load(path));

        Assert.StartsWith($"{path}: cannot read the implementations file: Could not find file", e.Message);
    }
}
