"""The window's dialogs: welcome and settings, the plan of a dry run, questions asked."""
