"""A drag source for the app's end-to-end test: a small GTK 3 window (Debian
python3-gi, gir1.2-gtk-3.0) that offers the paths on its command line as a
text/uri-list, as a file manager does. The test presses the mouse on it with
xdotool and releases it over the app's drop zone, so the app receives a real
XDND drop from another X client.

Prints "ready X Y" (the middle of the button, in screen coordinates) once it
is shown, "dropped" when the drag ends, and exits then (or after 120 s).
"""

import pathlib
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

X, Y, WIDTH, HEIGHT = 1300, 40, 200, 120


def main() -> None:
    uris = [pathlib.Path(p).resolve().as_uri() for p in sys.argv[1:]]
    window = Gtk.Window(title="whisker-test-drag-source")
    window.move(X, Y)
    button = Gtk.Button(label="drag me")
    button.set_size_request(WIDTH, HEIGHT)
    button.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [], Gdk.DragAction.COPY)
    button.drag_source_add_uri_targets()
    button.connect("drag-data-get", lambda _w, _c, data, _i, _t: data.set_uris(uris))

    def ended(*_args):
        print("dropped", flush=True)
        Gtk.main_quit()

    button.connect("drag-end", ended)
    window.add(button)
    window.connect("destroy", Gtk.main_quit)
    window.show_all()

    def announce():
        _, x, y = window.get_window().get_origin()
        print(f"ready {x + WIDTH // 2} {y + HEIGHT // 2}", flush=True)
        return False

    GLib.timeout_add(300, announce)
    GLib.timeout_add_seconds(120, Gtk.main_quit)
    Gtk.main()


if __name__ == "__main__":
    main()
