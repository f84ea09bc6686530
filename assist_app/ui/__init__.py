"""The desktop app (PySide6): the only package that imports Qt (STYLE.md: Qt only at the edge).

``app`` is the composition root; ``controller`` decides what the views show; ``main_window``,
``call_bar``, ``transcript``, ``guidance``, ``meters``, ``review``, ``demo_bar`` and
``settings_dialog`` only lay out widgets; ``bridge`` moves pipeline events onto the GUI thread.
"""
