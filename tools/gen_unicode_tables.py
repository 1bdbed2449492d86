#!/usr/bin/env python3
"""Generates engine/tokenizer/unicode_tables.cpp from the Unicode Character Database.

Input: the UCD text files of Debian's unicode-data package (/usr/share/unicode by default):
UnicodeData.txt (general category, canonical combining class, canonical decompositions),
PropList.txt (White_Space), CompositionExclusions.txt (with UnicodeData, the full composition
exclusions; checked against DerivedNormalizationProps.txt), DerivedNormalizationProps.txt
(NFC_Quick_Check), CaseFolding.txt (simple case folding), ReadMe.txt (the version). Output: compact
range tables, read by engine/tokenizer/unicode.cpp.

Usage: tools/gen_unicode_tables.py [--ucd /usr/share/unicode] [--out engine/tokenizer/unicode_tables.cpp]
"""
import argparse
import os
import re
import sys

# Must match the order of enum class Gc in engine/tokenizer/unicode.h.
CATEGORIES = ["Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
              "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf",
              "Cs", "Co"]
MAX_CP = 0x10FFFF


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield [field.strip() for field in line.split(";")]


def parse_range(text):
    if ".." in text:
        a, b = text.split("..")
        return int(a, 16), int(b, 16)
    return int(text, 16), int(text, 16)


def load_unicode_data(ucd):
    """Returns (category per code point, ccc per code point, canonical decompositions)."""
    gc = bytearray(MAX_CP + 1)  # 0 = Cn
    ccc = bytearray(MAX_CP + 1)
    decomp = {}
    range_start = None
    for f in read_lines(os.path.join(ucd, "UnicodeData.txt")):
        cp, name, cat, cls, dm = int(f[0], 16), f[1], f[2], int(f[3]), f[5]
        cat_index = CATEGORIES.index(cat)
        if name.endswith(", First>"):
            range_start = cp
            continue
        first = range_start if name.endswith(", Last>") else cp
        range_start = None
        for c in range(first, cp + 1):
            gc[c] = cat_index
            ccc[c] = cls
        if dm and not dm.startswith("<"):
            decomp[cp] = [int(x, 16) for x in dm.split()]
    return gc, ccc, decomp


def load_property(path, prop):
    out = set()
    for f in read_lines(path):
        if f[1] == prop:
            a, b = parse_range(f[0])
            out.update(range(a, b + 1))
    return out


def to_ranges(cps):
    ranges = []
    for cp in sorted(cps):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def unicode_version(ucd):
    with open(os.path.join(ucd, "ReadMe.txt"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"Version (\d+\.\d+\.\d+)", text)
    if m:
        return m.group(1)
    m = re.search(r"Date: (\S+)", text)
    return "of " + m.group(1) if m else "unknown version"


def emit_rows(out, rows, per_line):
    for i in range(0, len(rows), per_line):
        out.append("    " + " ".join(rows[i:i + per_line]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ucd", default="/usr/share/unicode")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "engine", "tokenizer",
                                                  "unicode_tables.cpp"))
    args = ap.parse_args()

    gc, ccc, decomp = load_unicode_data(args.ucd)
    whitespace = load_property(os.path.join(args.ucd, "PropList.txt"), "White_Space")
    exclusions = set()
    for f in read_lines(os.path.join(args.ucd, "CompositionExclusions.txt")):
        a, b = parse_range(f[0])
        exclusions.update(range(a, b + 1))

    # Full composition exclusion (UAX #15): the listed exclusions, singletons, and decompositions
    # that start with a non-starter.
    full_exclusion = set(exclusions)
    for cp, d in decomp.items():
        if len(d) == 1 or ccc[d[0]] != 0:
            full_exclusion.add(cp)
    derived = os.path.join(args.ucd, "DerivedNormalizationProps.txt")
    if load_property(derived, "Full_Composition_Exclusion") != full_exclusion:
        sys.exit("composition exclusions disagree with DerivedNormalizationProps.txt")

    # Code points whose NFC_Quick_Check is No or Maybe: text without them (and with combining
    # marks in canonical order) is already NFC.
    nfc_qc = set()
    for f in read_lines(derived):
        if f[1] == "NFC_QC" and f[2] in ("N", "M"):
            a, b = parse_range(f[0])
            nfc_qc.update(range(a, b + 1))

    compositions = sorted((d[0], d[1], cp) for cp, d in decomp.items()
                          if cp not in full_exclusion)

    # Simple case folding (status C and S) onto ASCII letters: what (?i:'s|'t|...) matches.
    fold_ascii = []
    for f in read_lines(os.path.join(args.ucd, "CaseFolding.txt")):
        if f[1] in ("C", "S"):
            cp, to = int(f[0], 16), int(f[2], 16)
            if cp >= 0x80 and to < 0x80:
                fold_ascii.append((cp, to))

    runs = []
    for cp in range(MAX_CP + 1):
        if cp == 0 or gc[cp] != gc[cp - 1]:
            runs.append((cp << 5) | gc[cp])
    ccc_ranges = []
    for cp in range(MAX_CP + 1):
        if ccc[cp] == 0:
            continue
        if ccc_ranges and ccc_ranges[-1][1] == cp - 1 and ccc_ranges[-1][2] == ccc[cp]:
            ccc_ranges[-1][1] = cp
        else:
            ccc_ranges.append([cp, cp, ccc[cp]])

    out = [
        "// Generated by tools/gen_unicode_tables.py from the Unicode Character Database %s"
        % unicode_version(args.ucd),
        "// (Debian package unicode-data). Do not edit; rerun the script instead.",
        "#include \"engine/tokenizer/unicode_tables.h\"",
        "",
        "// clang-format off",
        "namespace shoptalk::engine::unicode_tables {",
        "",
        "// (first code point << 5) | general category, one entry per run of equal category.",
        "const uint32_t kCategoryRuns[] = {",
    ]
    emit_rows(out, ["0x%x," % r for r in runs], 10)
    out += ["};", "const size_t kCategoryRunCount = sizeof(kCategoryRuns) / sizeof(kCategoryRuns[0]);",
            "", "const CodepointRange kWhitespace[] = {"]
    emit_rows(out, ["{0x%x, 0x%x}," % (a, b) for a, b in to_ranges(whitespace)], 6)
    out += ["};", "const size_t kWhitespaceCount = sizeof(kWhitespace) / sizeof(kWhitespace[0]);",
            "", "const CombiningClassRange kCombiningClass[] = {"]
    emit_rows(out, ["{0x%x, 0x%x, %d}," % tuple(r) for r in ccc_ranges], 5)
    out += ["};",
            "const size_t kCombiningClassCount = sizeof(kCombiningClass) / sizeof(kCombiningClass[0]);",
            "", "// Canonical decompositions (one level; second = 0 for singletons), by code point.",
            "const Decomposition kDecompositions[] = {"]
    emit_rows(out, ["{0x%x, 0x%x, 0x%x}," % (cp, d[0], d[1] if len(d) > 1 else 0)
                    for cp, d in sorted(decomp.items())], 4)
    out += ["};",
            "const size_t kDecompositionCount = sizeof(kDecompositions) / sizeof(kDecompositions[0]);",
            "", "// Primary composites: (first, second) -> composite, sorted by (first, second).",
            "const Composition kCompositions[] = {"]
    emit_rows(out, ["{0x%x, 0x%x, 0x%x}," % c for c in compositions], 4)
    out += ["};",
            "const size_t kCompositionCount = sizeof(kCompositions) / sizeof(kCompositions[0]);",
            "", "// NFC_Quick_Check = No or Maybe.",
            "const CodepointRange kNfcQuickCheckNo[] = {"]
    emit_rows(out, ["{0x%x, 0x%x}," % (a, b) for a, b in to_ranges(nfc_qc)], 6)
    out += ["};",
            "const size_t kNfcQuickCheckNoCount = sizeof(kNfcQuickCheckNo) / sizeof(kNfcQuickCheckNo[0]);",
            "", "// Non-ASCII code points whose simple case folding is an ASCII character.",
            "const CaseFold kFoldToAscii[] = {"]
    emit_rows(out, ["{0x%x, 0x%x}," % f for f in fold_ascii], 6)
    out += ["};", "const size_t kFoldToAsciiCount = sizeof(kFoldToAscii) / sizeof(kFoldToAscii[0]);",
            "", "}  // namespace shoptalk::engine::unicode_tables", "// clang-format on", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print("wrote %s: %d category runs, %d ccc ranges, %d decompositions, %d compositions"
          % (args.out, len(runs), len(ccc_ranges), len(decomp), len(compositions)))


if __name__ == "__main__":
    main()
