"""Pod Security Standards: the admission rules over a pod template (rules) and the namespace's labels (namespace)."""
