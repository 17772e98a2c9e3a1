namespace Fobnail.Boot.Grub;

/// <summary>The statements of a parsed grub.cfg (grub-core/script/parser.y, without the parts nobody's grub.cfg uses).</summary>
public abstract record GrubStatement(int Line);

/// <summary>A simple command: its words, unexpanded.</summary>
public sealed record GrubCommand(IReadOnlyList<GrubWord> Words, int Line) : GrubStatement(Line);

/// <summary>if COND; then BODY [elif COND; then BODY]... [else BODY] fi.</summary>
public sealed record GrubIf(IReadOnlyList<(IReadOnlyList<GrubStatement> Condition, IReadOnlyList<GrubStatement> Body)> Branches,
    IReadOnlyList<GrubStatement> Else, int Line) : GrubStatement(Line);

/// <summary>menuentry / submenu / function: the words before '{' and the body.</summary>
public sealed record GrubBlock(string Keyword, IReadOnlyList<GrubWord> Words, IReadOnlyList<GrubStatement> Body, int Line) : GrubStatement(Line);

/// <summary>while/until/for: never evaluated (no distribution's generated grub.cfg needs a loop to define its menu).</summary>
public sealed record GrubLoop(string Keyword, int Line) : GrubStatement(Line);
