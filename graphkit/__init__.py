"""graphkit: see, plan and perform hot module replacement of Node.js ES modules."""
