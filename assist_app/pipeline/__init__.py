"""Call sessions: sources → analysis thread → outbound queue and sinks (STYLE.md thread table)."""
