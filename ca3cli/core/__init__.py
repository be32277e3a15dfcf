"""The pure core: settings, the milestone registry, rendering, planning, lint and analysis; no I/O."""
