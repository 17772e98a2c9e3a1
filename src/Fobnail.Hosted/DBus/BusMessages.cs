using Tmds.DBus.Protocol;

namespace Fobnail.Hosted.DBus;

/// <summary>Builds one outgoing message (MessageWriter is a struct that must be disposed; this keeps that in one place).</summary>
public static class BusMessages
{
    public delegate void WriteMessage(ref MessageWriter writer);

    public static MessageBuffer Build(DBusConnection connection, WriteMessage write)
    {
        MessageWriter w = connection.GetMessageWriter();
        try
        {
            write(ref w);
            return w.CreateMessage();
        }
        finally { w.Dispose(); }
    }
}
