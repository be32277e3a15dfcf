"""Test plugins shared by the whole suite: real local servers and the stand-in kubectl."""

pytest_plugins: list[str] = ["pytester", "tests.fixtures.kubectl"]
