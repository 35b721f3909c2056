"""Node's own ESM and CommonJS resolution: exports/imports maps, formats, packages, entry finding."""
