"""Static graphs: the crawl, the networkx view and its queries, static against live reconciliation."""
