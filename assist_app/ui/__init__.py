"""The desktop app (PySide6): the only package that imports Qt (STYLE.md: Qt only at the edge).

``app`` is the composition root; ``controller`` composes one panel's pieces: ``launcher`` starts
calls (Qt-free, with ``call_mode`` and ``speech_sources``), ``live_presenter`` shows engine
events, ``demo_controller``, ``practice_controller`` and ``review_controller`` run their features,
``panel_config`` applies the library and settings, and ``outcome`` scores a finished call (Qt-free).
``main_window``, ``call_bar``, ``transcript``, ``guidance``, ``meters``, ``review``, ``demo_bar``,
``history_view`` and ``settings_dialog`` only lay out widgets; ``bridge`` moves pipeline events
onto the GUI thread and ``background`` runs blocking store calls off it.
"""
