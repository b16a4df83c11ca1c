#!/usr/bin/env python3
"""Replaces (or appends) one section of docs/BENCHMARKS.md.

Each benchmark script owns a section that starts with its marker line
`<!-- section: NAME (written by SCRIPT) -->` and runs until the next marker or the end.
Usage: section.py NAME < section-text   (the text includes the marker line)
"""
import re
import sys

name = sys.argv[1]
path = "docs/BENCHMARKS.md"
section = sys.stdin.read().strip() + "\n"
text = open(path).read()
marks = [m for m in re.finditer(r"^<!-- section: ([\w-]+).*-->$", text, re.M)]
mine = [m for m in marks if m.group(1) == name]
if mine:
    start = mine[0].start()
    later = [m.start() for m in marks if m.start() > start]
    end = later[0] if later else len(text)
    text = text[:start] + section + "\n" + text[end:]
else:
    text = text.rstrip() + "\n\n" + section
open(path, "w").write(text.rstrip() + "\n")
