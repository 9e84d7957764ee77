#!/usr/bin/env python
from citystat.cli import main

if __name__ == "__main__":
    main()
