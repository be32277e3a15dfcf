"""The edges: the kubectl runner, port-forwards, files, the run log; everything that touches the world."""
