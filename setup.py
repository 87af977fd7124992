"""Package discovery, the one thing pyproject.toml cannot say (everything else lives there).

Every package under ftlab/ ships without being listed (a new subpackage cannot be forgotten), and
widgets/, kept at the top of the repository as the UI skin, installs as ``ftlab.widgets``.
setuptools cannot combine ``packages.find`` with that mapping in pyproject.toml alone.
tests/test_packaging.py builds the wheel and imports every subpackage from it.
"""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["ftlab", "ftlab.*"]) + ["ftlab.widgets"],
    package_dir={"ftlab.widgets": "widgets"},
)
