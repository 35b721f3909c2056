"""Running Node: the binary, the live-graph probe, the HMR host and ``node_probe/`` (its JavaScript)."""
