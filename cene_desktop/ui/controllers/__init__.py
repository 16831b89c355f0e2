"""What the window does for a person, one concern each: sorting and watching, editing
(relabel, confirm, undo, import, put back), learning (improve, re-check, versions)."""
