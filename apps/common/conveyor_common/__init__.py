"""Code both conveyor apps run: settings from the environment, JSON logs, the probe/metrics HTTP server, and the
entry point that turns a bad setting into one line and exit code 2. Each app's pyproject.toml includes this
package from ../common, and each Dockerfile copies it (build context: apps/)."""
