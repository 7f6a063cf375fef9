"""Says hello (version 1)."""


def main() -> None:
    print("hello")
