namespace Fobnail.Boot.Grub;

/// <summary>A menu as GRUB would show it: entries and submenus, in order. Entry bodies run when chosen, so they are kept unevaluated.</summary>
public abstract record GrubMenuItem(string Title, string? Id);

public sealed record GrubMenuEntry(string Title, string? Id, IReadOnlyList<GrubStatement> Body, string Source) : GrubMenuItem(Title, Id);

public sealed record GrubSubmenu(string Title, string? Id, IReadOnlyList<GrubMenuItem> Items) : GrubMenuItem(Title, Id);
