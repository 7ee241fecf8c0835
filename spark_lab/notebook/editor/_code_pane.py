"""The editor's "Export Python" pane: the model as a script, kept current, with Copy and Insert.

``CodePane.show(code)`` opens the pane with ``code``; while it is open the editor calls
``update(code)`` after every change of the network (an edit in the editor or in code), so
what it shows is always the script of the current network. Copy puts the script on the
clipboard; "Insert as cell" puts it in a new notebook cell below the editor's cell. Both
happen in the browser (widgets/editor-canvas.js: the clipboard and JupyterLab's notebook
are there); the kernel side counts the clicks and says in the status line what was done.
"""
from __future__ import annotations

import ipywidgets as W


class CodePane:
    """Textarea, Copy, "Insert as cell" and Hide. ``say(text)`` writes the status line."""

    def __init__(self, say):
        self._say = say
        self.copies = self.inserts = 0
        self.text = W.Textarea(layout=W.Layout(width="100%", height="220px"),
                               placeholder="Export Python shows the model as code here")
        self.text.add_class("sl-ed-code")
        self.copy_button = W.Button(description="Copy", icon="copy", layout=W.Layout(width="auto"),
                                    tooltip="copy the script to the clipboard")
        self.insert_button = W.Button(description="Insert as cell", icon="plus", layout=W.Layout(width="auto"),
                                      tooltip="put the script in a new notebook cell below this one")
        self.hide_button = W.Button(description="Hide", layout=W.Layout(width="auto"))
        self.copy_button.add_class("sl-ed-copy")
        self.insert_button.add_class("sl-ed-insert")
        self.copy_button.on_click(lambda _b: self._copied())
        self.insert_button.on_click(lambda _b: self._inserted())
        self.hide_button.on_click(lambda _b: self.hide())
        self.widget = W.VBox([W.HBox([self.copy_button, self.insert_button, self.hide_button]), self.text],
                             layout=W.Layout(width="100%", display="none"))

    @property
    def visible(self) -> bool:
        """True while the pane is open (it then follows every change)."""
        return self.widget.layout.display != "none"

    def show(self, code: str) -> None:
        """Open the pane with ``code``."""
        self.text.value = code
        self.widget.layout.display = None
        self.text.layout.display = None

    def update(self, code: str) -> None:
        """Replace the script shown (only while open)."""
        if self.visible and self.text.value != code:
            self.text.value = code

    def hide(self) -> None:
        """Close the pane (it stops following the network)."""
        self.widget.layout.display = "none"

    def _copied(self) -> None:
        self.copies += 1
        self._say(f"copied the script ({self.text.value.count(chr(10)) + 1} lines) to the clipboard")

    def _inserted(self) -> None:
        self.inserts += 1
        self._say("inserted the script as a new cell below this one (JupyterLab); run it to build the network")
