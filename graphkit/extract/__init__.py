"""Per-file extraction: every import occurrence in one file (tree-sitter), accept detection, the cache."""
