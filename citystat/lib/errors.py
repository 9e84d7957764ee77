class CitystatError(Exception):
    """A problem the person running citystat can fix; the CLI prints it without a traceback."""
