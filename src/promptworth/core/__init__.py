"""Plumbing every layer uses: errors, atomic writes, paths, the stage entry point, records,
the hub check, YAML 1.2, the hardware and precision choice, checkpoint checksums, DDP. It
imports nothing else of promptworth."""
