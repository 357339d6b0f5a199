"""The lineage graph of one artifact and its layered layout. CONTRACT STUB: helper E1 implements."""
