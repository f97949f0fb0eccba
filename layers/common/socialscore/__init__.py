"""socialscore: credit organic social interactions to contacts, sellers and CRM opportunities."""

# The release, and the one place it is written: pyproject.toml reads it (a Lambda has the package
# but not its install metadata), `socialscore --version` prints it, CHANGELOG.md says what each
# release changed, and its git tag is v<this>.
__version__ = "0.2.0"
