using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

// Per-assembly size of a NativeAOT binary from the ILC's mstat file (IlcGenerateMstatFile=true). The mstat is an
// ECMA-335 assembly whose global methods list, as IL, every object node the compiler emitted:
//   Methods(): ldtoken METHOD; ldc.i4 code; ldc.i4 gcinfo; ldc.i4 ehinfo; [v2: ldc.i4 name]
//   Types():   ldtoken TYPE;   ldc.i4 MethodTable size;                  [v2: ldc.i4 name]
//   Blobs():   ldstr NODE;     ldc.i4 size   (frozen data, metadata, stack trace data, ... : no owning assembly)
// A method or type counts for the assembly that defines it (a generic instantiation: the generic definition's).
// What the mstat does not list (the native runtime, libc, zlib, ELF headers) is the rest of the binary's size.
// Usage: SizeBreakdown MSTAT [BINARY] [TOP-BLOBS]
if (args.Length is < 1 or > 3)
{
    Console.Error.WriteLine("usage: SizeBreakdown MSTAT [BINARY] [TOP-BLOBS]");
    return 2;
}

using var pe = new PEReader(File.OpenRead(args[0]));
MetadataReader md = pe.GetMetadataReader();
int version = md.GetAssemblyDefinition().Version.Major;
var owner = new AssemblyOf(md);

var perAssembly = new Dictionary<string, (long Code, long Types, int Methods)>();
var blobs = new List<(string Name, long Size)>();
foreach (MethodDefinitionHandle h in md.GetTypeDefinition(MetadataTokens.TypeDefinitionHandle(1)).GetMethods())
{
    MethodDefinition m = md.GetMethodDefinition(h);
    string kind = md.GetString(m.Name);
    BlobReader il = pe.GetMethodBody(m.RelativeVirtualAddress).GetILReader();
    foreach ((EntityHandle? token, string? text, List<int> ints) in Records(il))
    {
        switch (kind)
        {
            case "Methods":
            {
                string asm = owner.Of(token!.Value);
                long size = ints[0] + ints[1] + ints[2]; // code + GC info + EH info; ints[3] (v2) is a name index
                var e = perAssembly.GetValueOrDefault(asm);
                perAssembly[asm] = (e.Code + size, e.Types, e.Methods + 1);
                break;
            }
            case "Types":
            {
                string asm = owner.Of(token!.Value);
                var e = perAssembly.GetValueOrDefault(asm);
                perAssembly[asm] = (e.Code, e.Types + ints[0], e.Methods);
                break;
            }
            case "Blobs":
                blobs.Add((text!, ints[0]));
                break;
        }
    }
}

// Methods' code and GC/EH info are file bytes. MethodTables are built at start-up (into .hydrated) from the
// compressed DehydratedData blob, so their column is memory, and the blob's bytes are counted once, among the blobs.
long code = perAssembly.Values.Sum(v => v.Code), blobTotal = blobs.Sum(b => b.Size);
Console.WriteLine($"mstat format v{version}: {args[0]}");
Console.WriteLine();
Console.WriteLine("| Assembly | Methods | Code + GC/EH info (bytes) | MethodTables at run time (bytes) |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var (asm, v) in perAssembly.OrderByDescending(p => p.Value.Code))
    Console.WriteLine($"| {asm} | {v.Methods:N0} | {v.Code:N0} | {v.Types:N0} |");
Console.WriteLine($"| **all assemblies** | {perAssembly.Values.Sum(v => v.Methods):N0} | {code:N0} | {perAssembly.Values.Sum(v => v.Types):N0} |");
Console.WriteLine();
Console.WriteLine("| Part of the file | Bytes |");
Console.WriteLine("|---|---:|");
Console.WriteLine($"| managed code + GC/EH info (the table above) | {code:N0} |");
Console.WriteLine($"| data blobs: MethodTables (dehydrated), frozen objects, metadata, stack trace data, ... (largest below) | {blobTotal:N0} |");
if (args.Length >= 2)
{
    long file = new FileInfo(args[1]).Length;
    Console.WriteLine($"| rest: native runtime, libc, zlib, unwind tables (.eh_frame), ELF headers (not in the mstat) | {file - code - blobTotal:N0} |");
    Console.WriteLine($"| **{Path.GetFileName(args[1])}** | {file:N0} |");
}
int top = args.Length == 3 ? int.Parse(args[2]) : 12;
Console.WriteLine();
Console.WriteLine("| Largest data blobs | Bytes |");
Console.WriteLine("|---|---:|");
foreach (var (name, size) in blobs.GroupBy(b => Shorten(b.Name)).Select(g => (g.Key, g.Sum(b => b.Size))).OrderByDescending(b => b.Item2).Take(top))
    Console.WriteLine($"| {name} | {size:N0} |");
return 0;

// One record per ldtoken/ldstr, with the ldc.i4 constants that follow it.
IEnumerable<(EntityHandle? Token, string? Text, List<int> Ints)> Records(BlobReader il)
{
    EntityHandle? token = null;
    string? text = null;
    var ints = new List<int>();
    bool open = false;
    while (il.RemainingBytes > 0)
    {
        byte op = il.ReadByte();
        switch (op)
        {
            case 0xD0: // ldtoken
            case 0x72: // ldstr
                if (open) yield return (token, text, ints);
                int t = il.ReadInt32();
                token = op == 0xD0 ? MetadataTokens.EntityHandle(t) : null;
                text = op == 0x72 ? md.GetUserString(MetadataTokens.UserStringHandle(t & 0xFFFFFF)) : null;
                ints = [];
                open = true;
                break;
            case 0x20: ints.Add(il.ReadInt32()); break;          // ldc.i4
            case 0x1F: ints.Add(il.ReadSByte()); break;          // ldc.i4.s
            case >= 0x15 and <= 0x1E: ints.Add(op - 0x16); break; // ldc.i4.m1 .. ldc.i4.8
            case 0x2A: case 0x26: case 0x00: break;              // ret, pop, nop
            default: throw new InvalidDataException($"unexpected IL opcode 0x{op:x2} in the mstat");
        }
    }
    if (open) yield return (token, text, ints);
}

// Blob node names carry a symbol or hash after their kind ("__FrozenString_...", "Stack trace ... of X"): group by
// the name up to its first space, bracket or digit run, so one row is one kind of data.
static string Shorten(string name)
{
    int cut = name.IndexOfAny([' ', '<', '[', '(']);
    string kind = cut > 0 ? name[..cut] : name;
    return kind.Length > 60 ? kind[..60] : kind;
}

/// <summary>The assembly that defines a type or method token of the mstat.</summary>
internal sealed class AssemblyOf(MetadataReader md) : ISignatureTypeProvider<string, object?>
{
    public string Of(EntityHandle h) => h.Kind switch
    {
        HandleKind.TypeReference => Scope(md.GetTypeReference((TypeReferenceHandle)h).ResolutionScope),
        HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)h).DecodeSignature(this, null),
        HandleKind.TypeDefinition => md.GetString(md.GetAssemblyDefinition().Name),
        HandleKind.MemberReference => Of(md.GetMemberReference((MemberReferenceHandle)h).Parent),
        HandleKind.MethodSpecification => Of(md.GetMethodSpecification((MethodSpecificationHandle)h).Method),
        HandleKind.MethodDefinition => Of(md.GetMethodDefinition((MethodDefinitionHandle)h).GetDeclaringType()),
        HandleKind.ModuleReference => "(module " + md.GetString(md.GetModuleReference((ModuleReferenceHandle)h).Name) + ")",
        _ => "(" + h.Kind + ")",
    };

    private string Scope(EntityHandle scope) => scope.Kind switch
    {
        HandleKind.AssemblyReference => md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)scope).Name),
        HandleKind.TypeReference => Of(scope), // nested type: its enclosing type's assembly
        _ => Of(scope),
    };

    private const string CoreLib = "System.Private.CoreLib";
    public string GetArrayType(string elementType, ArrayShape shape) => elementType;
    public string GetByReferenceType(string elementType) => elementType;
    public string GetFunctionPointerType(MethodSignature<string> signature) => CoreLib;
    public string GetGenericInstantiation(string genericType, System.Collections.Immutable.ImmutableArray<string> typeArguments) => genericType;
    public string GetGenericMethodParameter(object? genericContext, int index) => "(generic parameter)";
    public string GetGenericTypeParameter(object? genericContext, int index) => "(generic parameter)";
    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    public string GetPinnedType(string elementType) => elementType;
    public string GetPointerType(string elementType) => elementType;
    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => CoreLib;
    public string GetSZArrayType(string elementType) => elementType;
    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Of(handle);
    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Of(handle);
    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => Of(handle);
}
