#!/usr/bin/env python
"""Django's command-line utility; `madrasa` (madrasa/cli.py) is the friendlier front door."""

from madrasa.cli import main

if __name__ == "__main__":
    main()
