#!/usr/bin/env python3
"""Print the text of a PDF, page by page."""
import argparse

from pypdf import PdfReader


def page_range(text: str) -> range:
    first, _, last = text.partition("-")
    return range(int(first), int(last or first) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--pages", type=page_range, default=None)
    args = parser.parse_args()
    reader = PdfReader(args.path)
    wanted = args.pages or range(1, len(reader.pages) + 1)
    for number in wanted:
        print(f"--- page {number} ---")  # people count pages from 1
        print(reader.pages[number - 1].extract_text())


if __name__ == "__main__":
    main()
