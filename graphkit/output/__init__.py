"""Everything a person or another tool reads: DOT, Mermaid, pictures, the plan tree and every message."""
