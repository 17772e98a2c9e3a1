namespace Fobnail.Modules;

/// <summary>Human-readable rendering of a lookup and its load plan (`fobnail-init modules resolve`).</summary>
public static class ModulePlanText
{
    public static void Write(TextWriter output, ModuleLookup lookup, ModuleLoadPlan plan)
    {
        string how = lookup.Kind switch
        {
            ModuleLookupKind.Module => "module",
            ModuleLookupKind.Builtin => "built-in module",
            ModuleLookupKind.Alias => "alias of",
            ModuleLookupKind.BuiltinAlias => "alias of built-in",
            _ => "no module or alias matches",
        };
        output.WriteLine(lookup.Modules.Count == 0 ? $"{lookup.Query}: {how}" : $"{lookup.Query}: {how} {string.Join(", ", lookup.Modules)}");
        if (plan.Steps.Count > 0)
        {
            output.WriteLine("load order:");
            int width = plan.Steps.Max(s => s.Name.Length);
            for (int i = 0; i < plan.Steps.Count; i++)
            {
                PlannedModule step = plan.Steps[i];
                string where = step.Path ?? "(built in, nothing to load)";
                string why = step.Optional ? "  (softdep)" : "";
                output.WriteLine($"{i + 1,4}  {step.Name.PadRight(width)}  {where}{why}");
            }
        }
        foreach (string note in plan.Notes)
            output.WriteLine($"note: {note}");
    }
}
