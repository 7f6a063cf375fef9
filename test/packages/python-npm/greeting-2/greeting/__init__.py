"""Says hello, louder (version 2: the image upgrades to it in a later layer)."""

from greeting.words import WORD


def main() -> None:
    print(WORD.upper())
