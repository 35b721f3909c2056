"""Hot reload of a running app: the watch loop and the file watcher."""
