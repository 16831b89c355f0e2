"""The window's panes: album list, photo grid, review bar, preview, status bar, toolbar."""
