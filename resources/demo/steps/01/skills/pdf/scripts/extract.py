#!/usr/bin/env python3
"""Print the text of a PDF, page by page."""
import sys

from pypdf import PdfReader


def main(path: str) -> None:
    reader = PdfReader(path)
    for number, page in enumerate(reader.pages):
        print(f"--- page {number} ---")
        print(page.extract_text())


if __name__ == "__main__":
    main(sys.argv[1])
